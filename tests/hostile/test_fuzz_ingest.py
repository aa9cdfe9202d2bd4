"""Property-based: the parser and chunker on arbitrary Markdown-ish text never crash or lose
a word."""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunk import Chunker
from ingest.markdown import parse

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any character but surrogates; words have no whitespace and stay under the chunk budget.
CHARS = st.characters(exclude_categories=("Cs",))
WORD = st.text(CHARS, min_size=1, max_size=24).filter(lambda w: not any(c.isspace() for c in w))
PROSE = st.lists(WORD, min_size=1, max_size=40).map(" ".join)
LONG = st.lists(WORD, min_size=60, max_size=200).map(" ".join)
NAME = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)


def _lines() -> st.SearchStrategy[str]:
    """One line of the AWS docs flavour, or of plain noise."""
    level = st.integers(1, 7).map(lambda n: "#" * n)
    return st.one_of(
        st.tuples(level, PROSE).map(" ".join),
        st.tuples(PROSE, NAME).map(lambda t: f'## {t[0]}<a name="{t[1]}"></a>'),
        st.sampled_from(["```", "```json", "~~~", "| --- | --- |", ""]),
        PROSE.map(lambda t: f"+ {t}"),
        st.tuples(st.integers(1, 99), PROSE).map(lambda t: f"{t[0]}. {t[1]}"),
        st.tuples(PROSE, NAME).map(lambda t: f"| {t[0]} | {t[1]} |"),
        st.tuples(PROSE, NAME).map(
            lambda t: f"See [{t[1]}]({t[1]}.md#x) ![a]({t[1]}.png) **{t[0]}**"
        ),
        PROSE.map(lambda t: f"\\({t}\\) \\* `{t}`"),
        PROSE,
        st.text(CHARS, max_size=200),
        LONG,
    )


LINE = _lines()
CODE = st.tuples(st.sampled_from(["```", "```json", "~~~"]), st.lists(LINE, max_size=12)).map(
    lambda block: "\n".join([block[0], *block[1], block[0][:3]])
)
PAGES = st.tuples(
    st.lists(st.one_of(LINE, CODE), max_size=50), st.sampled_from(["\n", "\r\n", "\r"])
).map(lambda parts: parts[1].join(parts[0]))


@FUZZ
@given(text=PAGES, size=st.sampled_from([200, 400, 1000]))
def test_parse_and_chunk_never_crash_nor_lose_a_word(text: str, size: int) -> None:
    page = parse(text, "fuzz/page", "https://example.com/page.html")
    chunker = Chunker(size=size, overlap=50, max_block=500)
    chunks = chunker.chunk(page)
    for chunk in chunks:
        assert chunk.text.strip(), chunk.id
        assert chunk.page_id == "fuzz/page" and chunk.id.startswith("fuzz/page::")
    for section in page.sections:
        mine = [c for c in chunks if c.section == section.heading and c.anchor == section.anchor]
        words = Counter(section.text.split())
        landed = Counter(w for c in mine for w in c.text.split())
        assert not words - landed, f"lost: {list(words - landed)[:5]}"


@FUZZ
@given(data=st.binary(max_size=2000))
def test_any_bytes_decoded_then_parsed(data: bytes) -> None:
    from ingest.sources import decode

    text, _ = decode(data)
    page = parse(text, "bytes", "u")
    assert all(c.text.strip() for c in Chunker(size=200).chunk(page))
