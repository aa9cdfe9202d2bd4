"""An index build opened for reading: its chunks, BM25 index and answer units. The one place
that knows how a build is laid out on disk; the app asks for an `OpenedBuild`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.lexical import LexicalIndex
from ingest.models import Chunk
from ingest.neighbours import Indexed, Neighbours, embed_headings, neighbour_headings
from ingest.units import UnitIndex, build_units

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings
    from ingest.store import IndexInfo, IndexStore

Encode = Callable[[Sequence[str]], np.ndarray[Any, np.dtype[np.float32]]]


def read_chunks(collection: Collection) -> list[Chunk]:
    """Every chunk stored in a build's collection, in id order."""
    got = collection.get(include=["documents", "metadatas"])
    docs, metas = got["documents"] or [], got["metadatas"] or []
    chunks = [
        Chunk.from_stored(cid, doc, dict(meta))
        for cid, doc, meta in zip(got["ids"], docs, metas, strict=True)
    ]
    return sorted(chunks, key=lambda c: c.id)


def lexical_index(chunks: Sequence[Chunk]) -> LexicalIndex:
    """BM25 over the chunks' heading paths and texts."""
    return LexicalIndex([c.id for c in chunks], [c.lexical_text for c in chunks])


@dataclass(frozen=True)
class OpenedBuild:
    """Everything the answer path reads from one build."""

    info: IndexInfo
    collection: Collection
    chunks: dict[str, Chunk]
    lexical: LexicalIndex
    units: UnitIndex
    neighbours: Neighbours | None = None


def write_extras(folder: Path, lexical: LexicalIndex, units: UnitIndex) -> None:
    """Save what ingest computes beside a build: the BM25 index and the embedded units."""
    lexical.save(folder)
    units.save(folder)


def open_build(settings: Settings, store: IndexStore, encode: Encode) -> OpenedBuild:
    """The active build, ready to search. What a build made elsewhere (a Chroma server) or by
    an older docqa lacks is made here: BM25 in memory, units and neighbour headings embedded
    and, beside a local build, saved for the next reader."""
    info, collection = store.open_current(settings.embedding_id)
    chunks = read_chunks(collection)
    folder = store.lexical_dir(info.build_id)
    local = LexicalIndex.saved_in(folder)
    lexical = LexicalIndex.load(folder) if local else lexical_index(chunks)
    units = UnitIndex.load(folder)
    if units is None:
        units, _ = build_units(chunks, encode)
        if local:  # only ever beside a build this machine made
            with contextlib.suppress(OSError):
                units.save(folder)
    neighbours = Neighbours.load(folder)
    source = Path(info.neighbours) if info.neighbours else None
    if neighbours is None and source is not None and source.is_dir():
        pairs, _ = neighbour_headings(source, indexed(info.files, chunks), settings.max_page_bytes)
        neighbours, _ = embed_headings(pairs, encode, settings.model_cache)
    chunk_map = {c.id: c for c in chunks}
    return OpenedBuild(info, collection, chunk_map, lexical, units, neighbours)


def indexed(files: dict[str, str], chunks: Sequence[Chunk]) -> Indexed:
    """What a neighbouring page or heading is compared with: the indexed pages' hashes and
    file names, and the index's headings."""
    return Indexed(
        hashes=set(files.values()),
        page_names={page_id.rsplit("/", 1)[-1] for page_id in files},
        headings={c.heading for c in chunks},
    )
