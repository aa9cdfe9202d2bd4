"""Answer units: how a chunk splits into units, what each is embedded as, and their storage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.chunk import Chunker
from ingest.markdown import parse
from ingest.models import Chunk, Unit, render_blocks
from ingest.units import (
    LIST_ITEM_CHARS,
    OLD_VECTORS,
    RECORDS,
    VECTORS,
    UnitIndex,
    build_units,
    chunk_texts,
    chunk_units,
    chunk_vectors,
    embed_texts,
)
from tests.support.embedders import FakeEmbedder
from tests.support.pages import blocks_of, make_chunks

Vectors = np.ndarray[Any, np.dtype[np.float32]]


class CountingEncode:
    """A fake model that remembers every text it was asked to embed."""

    def __init__(self) -> None:
        self.model = FakeEmbedder(dim=32)
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        return self.model.encode(texts)

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


def make_chunk(chunk_id: str, text: str, path: tuple[str, ...] = ("Gadgets", "Setup")) -> Chunk:
    page = chunk_id.split("::")[0]
    blocks = blocks_of(text)
    return Chunk(
        chunk_id, page, 0, path[0], path[-1], "setup", path, render_blocks(blocks), "https://x",
        "h", blocks,
    )  # fmt: skip


def kinds(text: str) -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in chunk_units(make_chunk("g::1", text))[1:]]


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_code_block_is_one_unit(fence: str) -> None:
    code = "spin --fast. Then stop.\n\nspin --slow"
    text = f"Run the spinner first.\n\n{fence}sh\n{code}\n{fence}\n\nCheck the dial afterwards."
    assert kinds(text) == [
        ("sentence", "Run the spinner first."),
        ("code", code),
        ("sentence", "Check the dial afterwards."),
    ]


def test_list_items_are_whole_up_to_the_limit() -> None:
    long_item = "- " + "Tighten the bolt. " * (LIST_ITEM_CHARS // 18 + 1)
    text = f"- Open the lid. Then look inside.\n\n1. Turn it off. Wait.\n\n{long_item.strip()}"
    got = kinds(text)
    assert got[:2] == [("item", "Open the lid. Then look inside."), ("item", "Turn it off. Wait.")]
    assert len(got) > 3 and {k for k, _ in got[2:]} == {"sentence"}


def test_a_table_is_its_header_and_rows() -> None:
    text = "| Gadget | Colour |\n| :--- | ---: |\n| Cog | Red |\n| Nut | Blue |"
    assert kinds(text) == [
        ("header", "| Gadget | Colour |"),
        ("row", "| Cog | Red |"),
        ("row", "| Nut | Blue |"),
    ]
    assert kinds("|  |  |\n| --- | --- |\n| Cog | Red |") == [("row", "| Cog | Red |")]


def test_sentences_split_and_share_their_block() -> None:
    second = "It hums (quietly). Nobody minds."
    text = f"The gadget starts. Does it purr? It does! `spin` runs it\n\n{second}"
    units = chunk_units(make_chunk("g::1", text))[1:]
    assert [u.text for u in units] == [
        "The gadget starts.",
        "Does it purr?",
        "It does!",
        "`spin` runs it",
        "It hums (quietly).",
        "Nobody minds.",
    ]
    assert [(u.block, u.part) for u in units] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1)]


def test_chunk_units_start_with_the_heading_then_read_in_order() -> None:
    chunk = make_chunk("gadgets::0001", "Pick one:\n- Cog\n- Nut\n\nDone here. Bye.")
    units = chunk_units(chunk)
    assert units[0] == Unit(chunk.id, 0, -1, "heading", "Gadgets > Setup", "Gadgets > Setup")
    assert [u.position for u in units] == list(range(len(units)))
    assert [u.text for u in units[1:]] == ["Pick one:", "Cog", "Nut", "Done here.", "Bye."]
    assert [u.kind for u in units[1:]] == ["sentence", "item", "item", "sentence", "sentence"]
    assert {(u.chunk_id, u.heading) for u in units} == {(chunk.id, chunk.heading)}


def test_code_block_inside_a_list_item_stays_one_unit() -> None:
    markdown = (
        '# Gadgets<a name="g"></a>\n\n## Setup<a name="s"></a>\n\n1. Run this query:\n\n'
        "   ```\n   spin --fast\n   ```\n\n   The dial then reads:\n\n   ```\n   42\n   ```\n"
    )
    (chunk,) = Chunker().chunk(parse(markdown, "gadgets", "https://x"))
    got = [(u.kind, u.text.split("\n")[0]) for u in chunk_units(chunk)[1:]]
    assert got == [
        ("item", "Run this query:"),
        ("code", "spin --fast"),
        ("sentence", "The dial then reads:"),
        ("code", "42"),
    ]


def texts_of(*chunks: Chunk) -> dict[str, str]:
    return {u.text: t for c in chunks for u, t in zip(chunk_units(c), chunk_texts(c), strict=True)}


def test_an_item_is_read_after_its_list_opening_line() -> None:
    got = texts_of(make_chunk("g::1", "Some text first. Pick a size:\n- Small\n- Large"))
    assert got["Small"] == "Gadgets > Setup: Pick a size: Small"
    assert got["Large"] == "Gadgets > Setup: Pick a size: Large"
    assert got["Pick a size:"] == "Gadgets > Setup: Pick a size:"


def test_a_row_is_read_after_the_header_row() -> None:
    table = "| Size | Price |\n| --- | --- |\n| Small | 1 |\n| Large | 2 |"
    got = texts_of(make_chunk("g::1", "Prices:\n\n" + table))
    assert got["| Small | 1 |"] == "Gadgets > Setup: | Size | Price | | Small | 1 |"
    assert got["| Large | 2 |"] == "Gadgets > Setup: | Size | Price | | Large | 2 |"
    assert got["| Size | Price |"] == "Gadgets > Setup: Prices: | Size | Price |"


def test_code_is_read_after_the_sentence_before_it() -> None:
    got = texts_of(make_chunk("g::1", "Install it. Then run:\n```\nspin\n```"))
    assert got["spin"] == "Gadgets > Setup: Then run: spin"


def test_a_heading_unit_is_the_path_alone() -> None:
    got = texts_of(make_chunk("g::1", "Body text.", ("Gadgets", "Setup", "Wiring")))
    assert got["Gadgets > Setup > Wiring"] == "Gadgets > Setup > Wiring"


def test_what_opens_a_list_is_its_context_in_the_next_chunk_too() -> None:
    first, second = make_chunks(
        [("g", "Setup", "Choose one of these:"), ("g", "Setup", "- Small\n- Large")]
    )
    got = texts_of(first, second)
    assert got["Small"] == "G > Setup: Choose one of these: Small"
    alone = texts_of(make_chunk("h::1", "- Small\n\n```\nspin\n```", ("Gadgets", "More")))
    assert alone["Small"] == "Gadgets > More: Small", "no paragraph opens it: no context"
    assert alone["spin"] == "Gadgets > More: spin"


def sample_index() -> UnitIndex:
    chunks = [make_chunk("g::1", "One. Two."), make_chunk("h::1", "- Three\n- Four")]
    units = tuple(u for c in chunks for u in chunk_units(c))
    vectors = np.arange(len(units) * 4, dtype=np.float32).reshape(len(units), 4)
    return UnitIndex(units, vectors)


def test_unit_index_round_trip(tmp_path: Path) -> None:
    index = sample_index()
    index.save(tmp_path / "build")
    loaded = UnitIndex.load(tmp_path / "build")
    assert loaded is not None and loaded.units == index.units
    assert np.array_equal(loaded.vectors, index.vectors) and loaded.vectors.dtype == np.float32
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == sorted([RECORDS, VECTORS])


def test_unit_index_of_another_version_or_length_loads_as_none(tmp_path: Path) -> None:
    assert UnitIndex.load(tmp_path) is None
    index = sample_index()
    index.save(tmp_path / "old")
    records = tmp_path / "old" / RECORDS
    data = json.loads(records.read_text())
    records.write_text(json.dumps({**data, "version": data["version"] + "-older"}))
    assert UnitIndex.load(tmp_path / "old") is None
    UnitIndex(index.units, index.vectors[:-1]).save(tmp_path / "short")
    assert UnitIndex.load(tmp_path / "short") is None


def test_rows_by_chunk() -> None:
    index = sample_index()
    assert index.rows_by_chunk() == {"g::1": [0, 1, 2], "h::1": [3, 4, 5]}


def test_build_units_embeds_every_distinct_text_once() -> None:
    encode = CountingEncode()
    # Two chunks of one page with the same heading and a repeated sentence.
    chunks = [make_chunk("g::1", "Same words. Other."), make_chunk("g::2", "Same words.")]
    seen: list[tuple[int, int]] = []
    index, count = build_units(chunks, encode, progress=lambda _, d, t: seen.append((d, t)))
    texts = embed_texts(index.units, {c.id: c for c in chunks})
    assert len(index.units) == 5 and count == len(set(texts)) == 3
    assert sorted(encode.texts) == sorted(set(texts))
    assert np.allclose(index.vectors, encode.model.encode(texts))
    assert seen[-1] == (3, 3)


def test_build_units_reuses_vectors_of_an_earlier_index() -> None:
    kept = make_chunk("g::1", "Nothing changes here. Ever.")
    old = {c.id: c for c in [kept, make_chunk("g::2", "Old words.")]}
    before, _ = build_units(old.values(), CountingEncode())
    encode = CountingEncode()
    edited = make_chunk("g::2", "New words. Old words.")
    known = before.reusable(old)
    after, count = build_units([kept, edited], encode, batch=1, known=known)
    assert encode.texts == ["Gadgets > Setup: New words."] and count == 1
    assert all(len(call) == 1 for call in encode.calls)
    old_rows = dict(zip(embed_texts(before.units, old), before.vectors, strict=True))
    new = {c.id: c for c in [kept, edited]}
    for text, row in zip(embed_texts(after.units, new), after.vectors, strict=True):
        expected = old_rows.get(text, encode.model.encode([text])[0])
        assert np.array_equal(row, expected), text


def test_build_units_without_chunks_calls_no_model() -> None:
    encode = CountingEncode()
    index, count = build_units([], encode)
    assert (len(index.units), index.vectors.shape[0], count) == (0, 0, 0)
    assert encode.calls == []


def test_chunk_vector_is_the_unit_mean_of_its_units_without_the_heading() -> None:
    encode = CountingEncode()
    chunk = make_chunk("g::1", "Wind the spring. Set the dial.")
    known: dict[str, Vectors] = {}
    vectors, count = chunk_vectors([chunk], known, encode)
    texts = chunk_texts(chunk)
    body = encode.model.encode(texts[1:])  # the first text is the heading path
    expected = body.mean(axis=0) / np.linalg.norm(body.mean(axis=0))
    assert count == len(texts) == 3 and set(known) == set(texts)
    assert np.allclose(vectors[0], expected, atol=1e-6)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-5
    heading = encode.model.encode(texts[:1])[0]
    assert not np.allclose(vectors[0], heading / np.linalg.norm(heading), atol=1e-3)


def test_chunk_vectors_reuse_known_units_and_a_bare_heading_stands_for_itself() -> None:
    encode = CountingEncode()
    kept = make_chunk("g::1", "Nothing changes here.")
    known: dict[str, Vectors] = {}
    chunk_vectors([kept], known, encode)
    bare = make_chunk("g::2", "", ("Gadgets", "Empty"))
    vectors, count = chunk_vectors([kept, bare], known, CountingEncode())
    assert count == 1  # only the bare chunk's heading path is new
    heading = known[chunk_texts(bare)[0]]
    assert np.allclose(vectors[1], heading / np.linalg.norm(heading), atol=1e-6)
    assert chunk_vectors([], {}, encode)[0].shape[0] == 0


def test_units_saved_by_an_older_build_still_load(tmp_path: Path) -> None:
    index = sample_index()
    index.save(tmp_path)
    np.savez(tmp_path / OLD_VECTORS, vectors=np.load(tmp_path / VECTORS))
    (tmp_path / VECTORS).unlink()
    loaded = UnitIndex.load(tmp_path)
    assert loaded is not None and loaded.units == index.units
    assert np.array_equal(loaded.vectors, index.vectors)


def test_damaged_unit_vectors_are_not_loaded(tmp_path: Path) -> None:
    sample_index().save(tmp_path)
    data = (tmp_path / VECTORS).read_bytes()
    (tmp_path / VECTORS).write_bytes(data[: len(data) - 8])  # cut short
    assert UnitIndex.load(tmp_path) is None
