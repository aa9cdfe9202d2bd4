"""Plain records passed between the ingest stages and read by the app."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

HEADING_JOIN = " > "


@dataclass(frozen=True)
class Link:
    """A link found in a page: to another page of the corpus, or to the web."""

    text: str
    target: str
    anchor: str = ""


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading."""

    anchor: str
    heading: str
    level: int
    path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Page:
    """A parsed documentation page."""

    id: str
    title: str
    url: str
    sha256: str
    sections: tuple[Section, ...]
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage of a page, the unit that is embedded, searched and cited."""

    id: str
    page_id: str
    ordinal: int
    title: str
    section: str
    anchor: str
    heading_path: tuple[str, ...]
    text: str
    url: str
    page_sha256: str

    @property
    def heading(self) -> str:
        """The heading path as one line: "Page title > Section > Subsection"."""
        return HEADING_JOIN.join(self.heading_path)

    @property
    def embed_text(self) -> str:
        """The text given to the embedding model: heading path, then passage."""
        return self.heading + "\n\n" + self.text

    @property
    def lexical_text(self) -> str:
        """The text BM25 indexes: heading path, then passage."""
        return f"{self.heading}\n{self.text}"

    @property
    def link(self) -> str:
        """Published URL of the passage, deep-linked to its section."""
        return f"{self.url}#{self.anchor}" if self.anchor else self.url

    def to_metadata(self) -> dict[str, str | int]:
        """What the vector store keeps beside the chunk's text and embedding."""
        return {
            "page_id": self.page_id,
            "ordinal": self.ordinal,
            "title": self.title,
            "section": self.section,
            "anchor": self.anchor,
            "heading_path": json.dumps(list(self.heading_path)),
            "url": self.url,
            "page_sha256": self.page_sha256,
        }

    @classmethod
    def from_stored(cls, chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
        """Read back a chunk that `to_metadata` described (older builds joined the heading
        path with " > ")."""
        raw = str(meta.get("heading_path", ""))
        try:
            decoded = orjson.loads(raw)  # a large build reads thousands at every start
        except ValueError:
            decoded = None
        if isinstance(decoded, list):
            path = tuple(str(h) for h in decoded)
        else:
            path = tuple(raw.split(HEADING_JOIN)) if raw else ()
        return cls(
            id=chunk_id,
            page_id=str(meta.get("page_id", "")),
            ordinal=int(meta.get("ordinal", 0) or 0),
            title=str(meta.get("title", "")),
            section=str(meta.get("section", "")),
            anchor=str(meta.get("anchor", "")),
            heading_path=path,
            text=text,
            url=str(meta.get("url", "")),
            page_sha256=str(meta.get("page_sha256", "")),
        )


class Unit(NamedTuple):
    """A sentence, list item, table row or code block of a chunk: what an answer quotes.
    A named tuple, not a dataclass: a build of whole guides reads 100,000 of them at every
    start, and a tuple is made several times faster."""

    chunk_id: str
    position: int  # order within the chunk
    paragraph: int  # offset of the unit's line in the chunk text: one paragraph, one offset
    kind: str  # "heading", "sentence", "item", "row" or "code"
    text: str
    heading: str  # the chunk's heading path, " > "-joined

    def to_record(self) -> list[Any]:
        """A compact JSON row (a build holds many units)."""
        return list(self)

    @classmethod
    def from_record(cls, row: list[Any]) -> Unit:
        """Read back what `to_record` wrote (six fields, or a TypeError)."""
        return cls._make(row)


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    # Answer units (sentences, list items, ...) embedded; the others came from the last build.
    embedded_units: int = 0
    # Section headings of neighbouring pages held by the build, and how many were new.
    neighbour_headings: int = 0
    embedded_headings: int = 0
    seconds: float = 0.0
    build_id: str = ""
