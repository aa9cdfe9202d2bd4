"""An index build opened for reading: its chunks, BM25 index and answer units. The one place
that knows how a build is laid out on disk; the app asks for an `OpenedBuild`."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ingest.buildinfo import IndexInfo
from ingest.lexical import LexicalIndex, idf_table
from ingest.models import Chunk
from ingest.neighbour_headings import Indexed, Neighbours, embed_headings, neighbour_headings
from ingest.sources import scan
from ingest.units import UnitIndex, build_units

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings
    from ingest.store import IndexStore

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


CHUNKS_FILE = "chunks.jsonl"
IDF_FILE = "idf.json"
INFO_FILE = "info.json"  # written last: its presence marks a complete set of extras


@dataclass(frozen=True)
class OpenedBuild:
    """Everything the answer path reads from one build. The Chroma collection opens on
    first use only (the whole-chunk vectors; the answer path needs none by default)."""

    info: IndexInfo
    chunks: dict[str, Chunk]
    lexical: LexicalIndex
    units: UnitIndex
    idf: dict[str, float]
    opener: Callable[[], Collection] = field(repr=False, compare=False)
    neighbours: Neighbours | None = None

    @property
    def collection(self) -> Collection:
        """The build's Chroma collection, opened once."""
        return self.opener()


def write_extras(folder: Path, info: IndexInfo, chunks: Sequence[Chunk], units: UnitIndex) -> None:
    """Save beside a build what ingest computes and readers need: the chunks, their BM25
    index and IDF table, the embedded units, and what built them (last)."""
    lexical_index(chunks).save(folder)
    units.save(folder)
    with (folder / CHUNKS_FILE).open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(json.dumps([chunk.id, chunk.text, chunk.to_metadata()]) + "\n")
    texts = (c.lexical_text for c in chunks)
    (folder / IDF_FILE).write_text(json.dumps(idf_table(texts)), encoding="utf-8")
    meta = {"build_id": info.build_id, "metadata": info.to_metadata()}
    (folder / INFO_FILE).write_text(json.dumps(meta), encoding="utf-8")


def saved_chunks(folder: Path) -> list[Chunk] | None:
    """The chunks saved beside a build, or None when it has no complete extras."""
    if not (folder / INFO_FILE).is_file():
        return None
    with (folder / CHUNKS_FILE).open("rb") as lines:
        return [Chunk.from_stored(*orjson.loads(line)) for line in lines]


def saved_info(folder: Path) -> IndexInfo | None:
    """What built a build, as saved beside it (None when not saved, or unreadable)."""
    try:
        meta = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        return IndexInfo.from_metadata(meta["build_id"], meta["metadata"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _saved_info(folder: Path) -> tuple[IndexInfo, dict[str, float]] | None:
    path = folder / INFO_FILE
    if not path.is_file():
        return None
    meta = json.loads(path.read_text(encoding="utf-8"))
    idf = json.loads((folder / IDF_FILE).read_text(encoding="utf-8"))
    return IndexInfo.from_metadata(meta["build_id"], meta["metadata"]), idf


def open_build(settings: Settings, store: IndexStore, encode: Encode) -> OpenedBuild:
    """The active build, ready to search. A build made on this machine is read from the
    files ingest saved beside it, without opening Chroma. What a build made elsewhere (a
    Chroma server) or by an older docqa lacks is made here: chunks read from Chroma, BM25
    in memory, units and neighbour headings embedded and, beside a local build, saved."""
    build_id = store.require_current()
    store.check_present(build_id)
    folder = store.reading_dir(build_id)
    opener = functools.cache(lambda: store.open(build_id))
    try:
        saved = _saved_info(folder)
        chunks = saved_chunks(folder) if saved else None
    except (OSError, ValueError, KeyError, TypeError):
        saved, chunks = None, None  # damaged extras: read the build from Chroma instead
    if saved is None or chunks is None:
        return _open_from_chroma(settings, store, encode)
    info, idf = saved
    store.check_model(info, settings.embedding_id)
    units = UnitIndex.load(folder)
    if units is None:
        return _open_from_chroma(settings, store, encode)
    neighbours = _neighbours(settings, info, chunks, folder, encode)
    return OpenedBuild(
        info, {c.id: c for c in chunks}, LexicalIndex.load(folder), units, idf, opener, neighbours
    )


def _open_from_chroma(settings: Settings, store: IndexStore, encode: Encode) -> OpenedBuild:
    info, collection = store.open_current(settings.embedding_id)
    chunks = read_chunks(collection)
    folder = store.reading_dir(info.build_id)
    local = LexicalIndex.saved_in(folder)
    lexical = LexicalIndex.load(folder) if local else lexical_index(chunks)
    units = UnitIndex.load(folder)
    if units is None:
        units, _ = build_units(chunks, encode)
        if local:  # only ever beside a build this machine made
            with contextlib.suppress(OSError):
                units.save(folder)
    neighbours = _neighbours(settings, info, chunks, folder, encode)
    idf = idf_table(c.lexical_text for c in chunks)
    chunk_map = {c.id: c for c in chunks}
    return OpenedBuild(info, chunk_map, lexical, units, idf, lambda: collection, neighbours)


def _neighbours(
    settings: Settings, info: IndexInfo, chunks: Sequence[Chunk], folder: Path, encode: Encode
) -> Neighbours | None:
    neighbours = Neighbours.load(folder)
    source = Path(info.neighbours) if info.neighbours else None
    if neighbours is None and source is not None and source.is_dir():
        found = scan(source, settings.max_page_bytes)
        pairs, _ = neighbour_headings(found, indexed(info.files, chunks), settings.model_cache)
        neighbours, _ = embed_headings(pairs, encode, settings.model_cache)
    return neighbours


def indexed(files: dict[str, str], chunks: Sequence[Chunk]) -> Indexed:
    """What a neighbouring page or heading is compared with: the indexed pages' hashes and
    file names, and the index's headings."""
    return Indexed(
        hashes=set(files.values()),
        page_names={page_id.rsplit("/", 1)[-1] for page_id in files},
        headings={c.heading for c in chunks},
    )
