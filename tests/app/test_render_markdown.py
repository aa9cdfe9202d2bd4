"""Answers and passages as safe Markdown: escaped text, linked markers, code kept as code."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import Answer, AnswerBlock, Citation, Quote
from app.render.markdown import (
    answer_markdown,
    blocks_markdown,
    escape,
    inline,
    lead_markdown,
    link,
    passage_label,
    passage_markdown,
    plain,
    safe_url,
    source_line,
    support_markdown,
    words,
)
from ingest.models import Block

URL = "https://docs.aws.amazon.com/comprehend/latest/dg/kms-in-comprehend.html#kms-perms"


def cite(n: int = 1, url: str = URL, title: str = "KMS", section: str = "Perms") -> Citation:
    return Citation(n, "kms-in-comprehend", title, section, url, (Block("paragraph", "x"),), 0.5)


def answer(*blocks: AnswerBlock, citations: tuple[Citation, ...] = (cite(),)) -> Answer:
    return Answer("q?", blocks, False, citations=citations)


def prose(*quotes: tuple[str, int]) -> AnswerBlock:
    return AnswerBlock("prose", tuple(Quote("sentence", t, (n,)) for t, n in quotes))


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@given(st.text())
def test_escape_keeps_the_text_and_leaves_no_special_character_bare(text: str) -> None:
    out = escape(text)
    assert unescaped(out) == text
    bare = re.sub(r"\\.", "", out)
    assert not set(bare) & set("\\`*_{}[]()#+-.!|<>~$:&=^")


def test_html_and_markdown_are_escaped() -> None:
    out = inline("<script>alert(1)</script> **bold** [x](javascript:alert(1)) :red[hi] $x$")
    assert "<" not in out.replace("\\<", "")
    assert "](" not in out and "**" not in out and ":red[" not in out and "$x$" not in out


def test_markers_link_to_the_cited_section_and_unknown_ones_are_left_out() -> None:
    out = answer_markdown(answer(prose(("Keys are yours.", 1), ("Not a source.", 7))))
    assert out == f"Keys are yours\\. Not a source\\. [\\[1\\]]({URL})"


def test_the_lead_carries_one_marker_then_the_gap_line_then_folded_support() -> None:
    lead = AnswerBlock("label", (Quote("title", "Seal", (1,)),))
    body = prose(("Turn it.", 1), ("Then lock it.", 1))
    more = AnswerBlock("prose", (Quote("sentence", "Keys rotate.", (2,)),), "support")
    two = (cite(), cite(2, url=URL + "2"))
    shown = Answer("q?", (lead, body, more), False, citations=two, missing=("GuardDuty",))
    out = lead_markdown(shown)
    assert out == f"**Seal**\n\nTurn it\\. Then lock it\\. [\\[1\\]]({URL})\n\n" + (
        "The pages do not mention GuardDuty\\."
    )
    assert support_markdown(shown) == f"Keys rotate\\. [\\[2\\]]({URL}2)"
    assert answer_markdown(shown) == out + "\n\n" + support_markdown(shown)


def test_code_spans_and_code_blocks_stay_code() -> None:
    code = AnswerBlock("code", (Quote("code", '{"a": "<b>"}', (1,), info="json"),))
    out = answer_markdown(answer(prose(("Use `kms:CreateGrant` here.", 1)), code))
    assert "Use `kms:CreateGrant` here\\." in out
    assert f'```json\n{{"a": "<b>"}}\n```\n\n[\\[1\\]]({URL})' in out


def test_a_fence_inside_code_cannot_close_the_block_early() -> None:
    out = blocks_markdown([Block("code", "before ``` <script>")])
    assert out.startswith("````\n") and out.endswith("\n````")


def test_lists_tables_and_titles_keep_their_shape_with_escaped_content() -> None:
    blocks = [
        Block("title", "Seal <the> door"),
        Block("paragraph", "Options:", opens="list"),
        Block("item", "Volume *encryption*", depth=1, first=True),
        Block("item", "Output", depth=1),
        Block("table", cells=(("Key", "Use"), ("a<b", "c"))),
    ]
    out = blocks_markdown(blocks)
    assert out.startswith("**Seal \\<the\\> door**\n\nOptions\\:")
    assert "- Volume \\*encryption\\*\n- Output" in out
    assert "| Key | Use |\n| --- | --- |\n| a\\<b | c |" in out


def test_quoted_rows_are_one_table_under_their_header_and_a_label_is_bold() -> None:
    rows = AnswerBlock(
        "table",
        (
            Quote("header", "| Key | Use |", (1,), cells=("Key", "Use")),
            Quote("row", "| a | b* |", (1,), cells=("a", "b*")),
        ),
    )
    label = AnswerBlock("label", (Quote("title", "Seal the *vault* door", (1,)),))
    out = answer_markdown(answer(label, rows))
    assert out.startswith("**Seal the \\*vault\\* door**\n\n"), "one marker, after the table"
    assert out.endswith(f"| Key | Use |\n| --- | --- |\n| a | b\\* |\n\n[\\[1\\]]({URL})")
    headless = AnswerBlock("table", (Quote("row", "| a | b |", (1,), cells=("a", "b")),))
    assert "|   |   |\n| --- | --- |\n| a | b |" in answer_markdown(answer(headless))


def test_a_passage_shows_its_section_title_first_when_the_answer_quotes_it() -> None:
    titled = Citation(1, "p", "Page", "Sealing <doors>", URL, (Block("paragraph", "x"),), 0.5, True)
    assert passage_markdown(titled) == "**Sealing \\<doors\\>**\n\nx"
    assert passage_markdown(cite()) == "x"
    assert passage_label(cite(3)) == "Passage \\[3\\]"


def test_only_web_urls_become_links() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("https://x.test/a b(c)") == "https://x.test/a%20b%28c%29"
    assert link("click", "javascript:alert(1)") == "click"
    bad = answer(prose(("See", 1)), citations=(cite(url="javascript:alert(1)"),))
    assert answer_markdown(bad) == "See \\[1\\]"


def test_source_line_has_number_title_link_and_section() -> None:
    line = source_line(cite(title="KMS <encryption>", section="Perms"))
    assert line == f"**\\[1\\]** [KMS \\<encryption\\>]({URL}) › Perms"
    assert "›" not in source_line(cite(title="Same", section="Same"))


def test_plain_collapses_whitespace_and_keeps_code() -> None:
    assert plain("Run  `docqa ingest --rebuild`\n now.") == "Run `docqa ingest --rebuild` now\\."


@given(st.text())
def test_words_put_back_together_give_the_same_markdown(text: str) -> None:
    assert "".join(words(text)) == text


def test_streaming_waits_are_spread_over_the_time_asked_and_capped_per_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The waits it asks for are recorded, not timed: a busy machine cannot change them.
    waits: list[float] = []
    monkeypatch.setattr("app.render.markdown.time.sleep", waits.append)
    assert len(list(words("word " * 200, seconds=0.2))) == 200
    assert len(waits) == 200 and sum(waits) == pytest.approx(0.2)
    waits.clear()
    assert len(list(words("a b c", seconds=5.0, max_delay=0.03))) == 3
    assert waits == [0.03] * 3, "a short answer never crawls"
    waits.clear()
    assert "".join(words("all at once", seconds=0.0)) == "all at once" and waits == []
