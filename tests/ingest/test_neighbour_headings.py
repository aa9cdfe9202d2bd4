"""Neighbour headings: which headings of the neighbouring pages are kept, the per-model heading
cache, and storage."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.neighbour_headings import (
    CACHE,
    PAGE_HEADINGS,
    Indexed,
    Neighbours,
    embed_headings,
    neighbour_headings,
)
from ingest.sources import scan
from tests.support.embedders import FakeEmbedder

Vectors = np.ndarray[Any, np.dtype[np.float32]]
MAX_BYTES = 1_000_000

INDEXED_PAGE = """# Sprockets<a name="sprockets"></a>

Sprockets turn the gadget.

## Oiling sprockets<a name="sprockets-oil"></a>

Oil them monthly\\.
"""

NEIGHBOUR_PAGE = """# Gadget guide<a name="gadget-guide"></a>

What this guide covers\\.

## Cleaning gadgets<a name="gadget-clean"></a>

Wipe the case\\.

### Drying<a name="gadget-dry"></a>

Let it dry for an hour\\.

## Oiling sprockets<a name="gadget-oil"></a>

Already covered by the index\\.
"""

VERSION_OF_INDEXED = """# Sprockets, new edition<a name="sprockets"></a>

## Greasing sprockets<a name="sprockets-grease"></a>

Grease replaced oil\\.
"""


class CountingEncode:
    """A fake model that remembers every text it was asked to embed."""

    def __init__(self) -> None:
        self.model = FakeEmbedder(dim=24)
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return self.model.encode(texts)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def indexed() -> Indexed:
    """An index of one page, `sprockets`, that also has a heading the neighbour repeats."""
    digest = hashlib.sha256(INDEXED_PAGE.encode()).hexdigest()
    return Indexed(
        hashes={digest},
        page_names={"sprockets"},
        headings={"Sprockets", "Sprockets > Oiling sprockets", "Gadget guide > Oiling sprockets"},
    )


def test_neighbour_headings_leave_out_what_the_index_has(tmp_path: Path, indexed: Indexed) -> None:
    write(tmp_path, "guide/gadgets.md", NEIGHBOUR_PAGE)
    write(tmp_path, "copy-of-sprockets.md", INDEXED_PAGE)  # same bytes, other name
    write(tmp_path, "older/sprockets.md", VERSION_OF_INDEXED)  # same name, other bytes
    pairs, pages = neighbour_headings(scan(tmp_path, MAX_BYTES), indexed)
    assert pages == 1
    assert pairs == [
        ("guide/gadgets", "Gadget guide"),
        ("guide/gadgets", "Gadget guide > Cleaning gadgets"),
        ("guide/gadgets", "Gadget guide > Cleaning gadgets > Drying"),
    ]


def test_neighbour_headings_of_pages_unlike_the_index(tmp_path: Path) -> None:
    write(tmp_path, "sprockets.md", INDEXED_PAGE)
    nothing_indexed = Indexed(hashes=set(), page_names=set(), headings=set())
    pairs, pages = neighbour_headings(scan(tmp_path, MAX_BYTES), nothing_indexed)
    assert pages == 1
    assert pairs == [("sprockets", "Sprockets"), ("sprockets", "Sprockets > Oiling sprockets")]


def test_page_headings_are_parsed_once_per_page_version(tmp_path: Path, indexed: Indexed) -> None:
    pages, cache = tmp_path / "pages", tmp_path / "models" / "fake"
    write(pages, "guide/gadgets.md", NEIGHBOUR_PAGE)
    uncached, _ = neighbour_headings(scan(pages, MAX_BYTES), indexed)
    first, _ = neighbour_headings(scan(pages, MAX_BYTES), indexed, cache)
    assert first == uncached
    assert sorted(p.name for p in cache.iterdir()) == [PAGE_HEADINGS]  # no half-written file
    # What the cache holds is what is used: the page is not parsed again...
    table = json.loads((cache / PAGE_HEADINGS).read_text())
    (key,) = table
    table[key] = ["Gadget guide > Kept in the cache"]
    (cache / PAGE_HEADINGS).write_text(json.dumps(table))
    again, _ = neighbour_headings(scan(pages, MAX_BYTES), indexed, cache)
    assert again == [("guide/gadgets", "Gadget guide > Kept in the cache")]
    # ...until its bytes change; the old version's entry is dropped.
    write(pages, "guide/gadgets.md", NEIGHBOUR_PAGE + "\n## Storing gadgets\n\nDry shelves.\n")
    changed, _ = neighbour_headings(scan(pages, MAX_BYTES), indexed, cache)
    assert changed == [*uncached, ("guide/gadgets", "Gadget guide > Storing gadgets")]
    assert list(json.loads((cache / PAGE_HEADINGS).read_text())) != [key]
    # A damaged cache is only a cache.
    (cache / PAGE_HEADINGS).write_text("{not json")
    assert neighbour_headings(scan(pages, MAX_BYTES), indexed, cache)[0] == changed


def test_embed_headings_embeds_only_headings_new_to_the_cache(tmp_path: Path) -> None:
    pairs = [("a", "Guide > Cleaning"), ("b", "Guide > Cleaning"), ("b", "Guide > Drying")]
    cache = tmp_path / "models" / "fake"
    first = CountingEncode()
    neighbours, count = embed_headings(pairs, first, cache)
    assert count == 2 and sorted(first.texts) == ["Guide > Cleaning", "Guide > Drying"]
    assert neighbours.pages == ("a", "b", "b") and neighbours.headings == tuple(h for _, h in pairs)
    assert np.allclose(neighbours.vectors, first.model.encode([h for _, h in pairs]))
    assert sorted(p.name for p in cache.iterdir()) == [CACHE]  # no half-written file left

    again = CountingEncode()
    same, count = embed_headings(pairs, again, cache)
    assert count == 0 and again.texts == []
    assert np.array_equal(same.vectors, neighbours.vectors)

    more = CountingEncode()
    _, count = embed_headings([*pairs, ("c", "Guide > Storing")], more, cache)
    assert count == 1 and more.texts == ["Guide > Storing"]


def test_an_interrupted_cache_write_keeps_the_old_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    embed_headings([("a", "Guide > Cleaning")], CountingEncode(), cache)
    before = (cache / CACHE).read_bytes()

    def broken_savez(out: Any, **arrays: Any) -> None:
        out.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    neighbours, count = embed_headings([("a", "Guide > Drying")], CountingEncode(), cache)
    monkeypatch.undo()
    assert count == 1 and neighbours.headings == ("Guide > Drying",)
    assert (cache / CACHE).read_bytes() == before
    encode = CountingEncode()
    assert embed_headings([("a", "Guide > Cleaning")], encode, cache)[1] == 0


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the cache folder should be")
    cache = tmp_path / "not-a-folder" / "models"
    pairs = [("a", "Guide > Cleaning"), ("a", "Guide > Drying")]
    for _ in range(2):
        encode = CountingEncode()
        neighbours, count = embed_headings(pairs, encode, cache)
        assert count == 2 and len(encode.texts) == 2
        assert neighbours.vectors.shape == (2, 24)


def test_embed_no_headings(tmp_path: Path) -> None:
    encode = CountingEncode()
    neighbours, count = embed_headings([], encode, tmp_path / "cache")
    assert (count, neighbours.headings, len(neighbours.vectors)) == (0, (), 0)
    assert encode.texts == [] and not (tmp_path / "cache").exists()


def test_neighbours_round_trip(tmp_path: Path) -> None:
    vectors = FakeEmbedder(dim=8).encode(["one", "two"])
    saved = Neighbours(("guide/a", "b"), ('Ünïcode "guide" > Part', "B > C"), vectors)
    saved.save(tmp_path / "build")
    loaded = Neighbours.load(tmp_path / "build")
    assert loaded is not None
    assert (loaded.pages, loaded.headings) == (saved.pages, saved.headings)
    assert np.array_equal(loaded.vectors, vectors) and loaded.vectors.dtype == np.float32


def test_load_without_neighbours_is_none(tmp_path: Path) -> None:
    assert Neighbours.load(tmp_path) is None
    assert Neighbours.load(tmp_path / "missing") is None
