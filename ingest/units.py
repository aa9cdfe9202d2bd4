"""Answer units: the sentences, list items, table rows and code blocks of each chunk, embedded
at ingest with their heading path, so the reader scores them by meaning without a model call
per sentence at query time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from docqa.files import open_atomic, write_atomic
from docqa.progress import Progress
from ingest.models import Block, Chunk, Unit
from ingest.sentences import split_sentences
from ingest.vectors import Encode, fill, stack

UNITS_VERSION = "5"
VECTORS, RECORDS = "units.npy", "units.json"
OLD_VECTORS = "units.npz"  # what builds before the memory-mapped file saved
LIST_ITEM_CHARS = 500  # a list item up to this long is one unit, not cut into sentences
EMBED_CHARS = 600  # what the model reads of a unit (it stops at 256 tokens anyway)


def block_units(block: Block) -> list[tuple[str, str, int]]:
    """A block's units as (kind, text, part): a paragraph's sentences, a title line, a list
    item (a long one cut into sentences), a table's header and rows, a code block."""
    if block.kind == "title":
        return [("title", block.text, 0)]
    if block.kind == "code":
        return [("code", block.text, 0)]
    if block.kind == "table":
        rows = block.rows()
        out = [("row", row, n) for n, row in enumerate(rows) if n]
        return ([("header", rows[0], 0)] if any(block.cells[0]) else []) + out
    if block.kind == "item" and len(block.text) <= LIST_ITEM_CHARS:
        return [("item", block.text, 0)]
    return [("sentence", text, n) for n, text in enumerate(split_sentences(block.text))]


def chunk_units(chunk: Chunk) -> list[Unit]:
    """The units of one chunk: its heading path (never quoted, but matched like the
    neighbouring pages' headings are), then its blocks' units in reading order."""
    heading = chunk.heading
    parts = [(-1, "heading", heading, 0)]
    for n, block in enumerate(chunk.blocks):
        parts += [(n, kind, text, part) for kind, text, part in block_units(block)]
    return [
        Unit(chunk.id, position, block, kind, text, heading, part)
        for position, (block, kind, text, part) in enumerate(parts)
    ]


def embed_text(unit: Unit, context: str = "") -> str:
    """What the model reads for a unit: its heading path, then the unit, after the line
    that introduces it when it is a list item, table row or code block. A heading unit is
    the path alone."""
    if unit.kind == "heading":
        return unit.text[:EMBED_CHARS]
    intro = f"{context} " if context else ""
    return f"{unit.heading}: {intro}{unit.text}"[:EMBED_CHARS]


def _context(unit: Unit, block: Block | None) -> str:
    """What a unit is read after: a row after its table's header row, an item, table or
    code block after the last sentence of the paragraph that opens it."""
    if block is None or unit.kind not in ("item", "header", "row", "code"):
        return ""
    if unit.kind == "row" and block.cells and any(block.cells[0]):
        return block.rows()[0]
    return (split_sentences(block.intro) or [""])[-1]


def embed_texts(units: Sequence[Unit], chunks: Mapping[str, Chunk]) -> list[str]:
    """The embedding text of every unit: an item, row or code block is read after what
    introduces it (a list's opening line, a table's header row, the sentence before a
    block)."""
    texts = []
    for unit in units:
        blocks = chunks[unit.chunk_id].blocks
        block = blocks[unit.block] if 0 <= unit.block < len(blocks) else None
        texts.append(embed_text(unit, _context(unit, block)))
    return texts


def chunk_texts(chunk: Chunk) -> list[str]:
    """The embedding texts of one chunk's units, in order."""
    return embed_texts(chunk_units(chunk), {chunk.id: chunk})


@dataclass(frozen=True)
class UnitIndex:
    """Every unit of a build and its unit-length embedding, row for row."""

    units: tuple[Unit, ...]
    vectors: np.ndarray[Any, np.dtype[np.float32]]

    def rows_by_chunk(self) -> dict[str, list[int]]:
        """Chunk id -> the rows of its units, in reading order."""
        rows: dict[str, list[int]] = {}
        for row, unit in enumerate(self.units):
            rows.setdefault(unit.chunk_id, []).append(row)
        return rows

    def save(self, folder: Path) -> None:
        """Write the units and their vectors into a build's folder (atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        records = [u.to_record() for u in self.units]
        write_atomic(folder / RECORDS, json.dumps({"version": UNITS_VERSION, "units": records}))
        with open_atomic(folder / VECTORS) as out:
            np.save(out, np.ascontiguousarray(self.vectors, dtype=np.float32))

    @classmethod
    def load(cls, folder: Path) -> UnitIndex | None:
        """The saved units, or None when the folder has none (or an older version). The
        vectors are memory-mapped, not read: a build of whole guides holds 160 MB of them,
        which the first question pages in from the file."""
        records, vectors = folder / RECORDS, folder / VECTORS
        old = folder / OLD_VECTORS
        if not records.is_file() or not (vectors.is_file() or old.is_file()):
            return None
        try:
            data = orjson.loads(records.read_bytes())
            if data.get("version") != UNITS_VERSION:
                return None
            units = tuple(map(Unit.from_record, data["units"]))
            if vectors.is_file():
                matrix = np.load(vectors, mmap_mode="r", allow_pickle=False)
            else:
                with np.load(old, allow_pickle=False) as saved:
                    matrix = np.asarray(saved["vectors"], dtype=np.float32)
            if matrix.dtype != np.float32 or matrix.ndim != 2:
                return None
        except (OSError, ValueError, KeyError, IndexError, TypeError):  # damaged: made anew
            # (orjson.JSONDecodeError is a ValueError)
            return None
        return cls(units, matrix) if len(units) == len(matrix) else None

    def reusable(
        self, chunks: Mapping[str, Chunk]
    ) -> dict[str, np.ndarray[Any, np.dtype[np.float32]]]:
        """Embedding text -> vector, to carry unchanged units into a new build (`chunks`:
        the build's chunks, which the units were read from)."""
        return dict(zip(embed_texts(self.units, chunks), self.vectors, strict=True))


Known = MutableMapping[str, np.ndarray[Any, np.dtype[np.float32]]]


def build_units(
    chunks: Iterable[Chunk],
    encode: Encode,
    progress: Progress | None = None,
    batch: int = 256,
    known: Known | None = None,
) -> tuple[UnitIndex, int]:
    """Units of the chunks with their vectors; units whose text `known` (embedding text ->
    vector, e.g. an earlier build's `reusable`) already holds are not embedded again. Also
    says how many were embedded."""
    chunk_map = {chunk.id: chunk for chunk in chunks}
    units = [u for chunk in chunk_map.values() for u in chunk_units(chunk)]
    texts = embed_texts(units, chunk_map)
    table: Known = {} if known is None else known
    embedded = fill(texts, table, encode, "embedding sentences", progress, batch)
    return UnitIndex(tuple(units), stack([table[t] for t in texts])), embedded


def chunk_vectors(
    chunks: Sequence[Chunk], known: Known, encode: Encode, batch: int = 256
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    """A vector per chunk, made from its answer units instead of a second pass of the model
    over its text: the mean of its units' vectors (its heading path aside, unless that is all
    it has), unit length. Units missing from `known` are embedded into it; also says how many.

    The model reads at most 256 tokens of a text, so this mean also covers a chunk's tail.
    Retrieval ranks chunks by their best unit and BM25; these vectors serve the optional
    dense ranking and whoever reads the Chroma collection."""
    per_chunk = [chunk_texts(chunk) for chunk in chunks]
    embedded = fill((t for texts in per_chunk for t in texts), known, encode, "", None, batch)
    rows = []
    for texts in per_chunk:
        body = texts[1:] or texts  # the first is the heading path
        mean = np.mean([known[t] for t in body], axis=0)
        rows.append((mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32))
    return stack(rows), embedded
