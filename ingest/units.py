"""Answer units: the sentences, list items, table rows and code blocks of each chunk, embedded
at ingest with their heading path, so the reader scores them by meaning without a model call
per sentence at query time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from docqa.files import open_atomic, write_atomic
from docqa.progress import Progress
from ingest.fences import code_blocks
from ingest.models import Chunk, Unit
from ingest.vectors import Encode, fill, stack

UNITS_VERSION = "4"
VECTORS, RECORDS = "units.npy", "units.json"
OLD_VECTORS = "units.npz"  # what builds before the memory-mapped file saved
LIST_ITEM_CHARS = 500  # a list item up to this long is one unit, not cut into sentences
EMBED_CHARS = 600  # what the model reads of a unit (it stops at 256 tokens anyway)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")
_LIST_ITEM = re.compile(r"^(- |\d+\. )")


def split_units(text: str) -> list[tuple[str, int, str]]:
    """A chunk's text as (unit text, paragraph, kind): whole code blocks, list items and
    table rows, and sentences; `paragraph` is the offset where the unit's line starts."""
    out: list[tuple[str, int, str]] = []
    last = 0
    for match in code_blocks(text):
        out.extend(_prose(text[last : match.start()], last))
        out.append((match.group(0).strip(), match.start(), "code"))
        last = match.end()
    out.extend(_prose(text[last:], last))
    return out


def _prose(text: str, offset: int) -> list[tuple[str, int, str]]:
    units: list[tuple[str, int, str]] = []
    for raw in text.split("\n"):
        line, start = raw.strip(), offset
        offset += len(raw) + 1
        if not line or set(line) <= set("|-: "):
            continue
        if line.startswith("|"):
            units.append((line, start, "row"))
        elif _LIST_ITEM.match(line) and len(line) <= LIST_ITEM_CHARS:
            units.append((line, start, "item"))
        else:
            units.extend((s.strip(), start, "sentence") for s in _SENTENCE.split(line) if s.strip())
    return units


def chunk_units(chunk: Chunk) -> list[Unit]:
    """The units of one chunk: its heading path (never quoted, but matched like the
    neighbouring pages' headings are), then its text in reading order."""
    heading = chunk.heading
    parts = [(heading, -1, "heading"), *split_units(chunk.text)]
    return [
        Unit(chunk.id, n, paragraph, kind, text, heading)
        for n, (text, paragraph, kind) in enumerate(parts)
    ]


def embed_text(unit: Unit, context: str = "") -> str:
    """What the model reads for a unit: its heading path, then the unit, after the line
    that introduces it when it is a list item, table row or code block. A heading unit is
    the path alone."""
    if unit.kind == "heading":
        return unit.text[:EMBED_CHARS]
    intro = f"{context} " if context else ""
    return f"{unit.heading}: {intro}{unit.text}"[:EMBED_CHARS]


def embed_texts(units: Sequence[Unit]) -> list[str]:
    """The embedding text of every unit: an item, row or code block is read after what
    introduces it in its chunk (a list's opening line, a table's header row, the sentence
    before a block)."""
    texts = []
    intro, header, chunk = "", "", ""
    for unit in units:
        if unit.chunk_id != chunk:
            intro, header, chunk = "", "", unit.chunk_id
        context = {"item": intro, "row": header or intro, "code": intro}.get(unit.kind, "")
        texts.append(embed_text(unit, context))
        header = (header or unit.text) if unit.kind == "row" else ""
        if unit.kind in ("sentence", "code"):
            intro = unit.text
    return texts


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

    def reusable(self) -> dict[str, np.ndarray[Any, np.dtype[np.float32]]]:
        """Embedding text -> vector, to carry unchanged units into a new build."""
        return dict(zip(embed_texts(self.units), self.vectors, strict=True))


Known = MutableMapping[str, np.ndarray[Any, np.dtype[np.float32]]]


def build_units(
    chunks: Iterable[Chunk],
    encode: Encode,
    previous: UnitIndex | None = None,
    progress: Progress | None = None,
    batch: int = 256,
    known: Known | None = None,
) -> tuple[UnitIndex, int]:
    """Units of the chunks with their vectors; units whose text an earlier build (or `known`,
    embedding text -> vector) already holds are not embedded again. Also says how many were
    embedded."""
    units = [u for chunk in chunks for u in chunk_units(chunk)]
    texts = embed_texts(units)
    table: Known = {**(previous.reusable() if previous is not None else {}), **(known or {})}
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
    per_chunk = [embed_texts(chunk_units(chunk)) for chunk in chunks]
    embedded = fill((t for texts in per_chunk for t in texts), known, encode, "", None, batch)
    rows = []
    for texts in per_chunk:
        body = texts[1:] or texts  # the first is the heading path
        mean = np.mean([known[t] for t in body], axis=0)
        rows.append((mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32))
    return stack(rows), embedded
