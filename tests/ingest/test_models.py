"""Stage records that store themselves: Chunk metadata and Unit records read back whole."""

from __future__ import annotations

import json

import pytest

from ingest.models import Chunk, Unit


def gadget_chunk(path: tuple[str, ...]) -> Chunk:
    return Chunk(
        id="gadgets/wiring::0003",
        page_id="gadgets/wiring",
        ordinal=3,
        title=path[0],
        section=path[-1],
        anchor="wiring-colours",
        heading_path=path,
        text="Red goes to the left terminal.",
        url="https://example.com/gadgets/wiring.html",
        page_sha256="ab" * 32,
    )


@pytest.mark.parametrize(
    "path",
    [
        ("Wiring gadgets", "Colours"),
        ("Wiring gadgets", "Input > output mapping", "Notes"),  # the separator inside a heading
        ("Only a title",),
        ('Ünïcode "quoted" title', "2023"),
    ],
)
def test_chunk_metadata_round_trip(path: tuple[str, ...]) -> None:
    chunk = gadget_chunk(path)
    meta = chunk.to_metadata()
    assert all(isinstance(v, str | int) for v in meta.values())  # what Chroma accepts
    assert json.loads(str(meta["heading_path"])) == list(path)
    assert Chunk.from_stored(chunk.id, chunk.text, meta) == chunk


def test_chunk_from_an_older_build_with_a_joined_heading_path() -> None:
    chunk = gadget_chunk(("Wiring gadgets", "Colours", "Left side"))
    meta = {**chunk.to_metadata(), "heading_path": "Wiring gadgets > Colours > Left side"}
    assert Chunk.from_stored(chunk.id, chunk.text, meta) == chunk


@pytest.mark.parametrize("stored", ["2023", "null", "true", '{"a": 1}', '"Colours"'])
def test_chunk_heading_path_that_is_json_but_not_a_list(stored: str) -> None:
    # An older build's one-heading path may happen to parse as JSON ("2023"): keep it as text.
    meta = {**gadget_chunk(("x",)).to_metadata(), "heading_path": stored}
    got = Chunk.from_stored("c", "text", meta)
    assert got.heading_path == (stored,)
    assert got.heading == stored


def test_chunk_from_sparse_metadata() -> None:
    got = Chunk.from_stored("c::0000", "Some text.", {"page_id": "c"})
    assert (got.id, got.page_id, got.text) == ("c::0000", "c", "Some text.")
    assert (got.heading_path, got.ordinal, got.link) == ((), 0, "")


@pytest.mark.parametrize(
    "unit",
    [
        Unit("gadgets::0001", 0, -1, "heading", "Gadgets > Setup", "Gadgets > Setup"),
        Unit("gadgets::0001", 4, 57, "code", "```\nspin --fast\n```", "Gadgets > Setup"),
        Unit("g::2", 2, 12, "row", '| "Cog" | Ünïcode |', "Gadgets > Wiring > Left"),
    ],
)
def test_unit_record_round_trip(unit: Unit) -> None:
    stored = json.loads(json.dumps(unit.to_record()))
    assert Unit.from_record(stored) == unit
