"""Plain records passed between the ingest stages and read by the app."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import orjson

HEADING_JOIN = " > "
BlockKind = Literal["paragraph", "title", "item", "table", "code"]


@dataclass(frozen=True)
class Link:
    """A link found in a page: to another page of the corpus, or to the web."""

    text: str
    target: str
    anchor: str = ""


@dataclass(frozen=True)
class Block:
    """One piece of a page's structure, as its Markdown says it: a paragraph, a title line
    that names what follows it ("Note", "To enable volume encryption"), a list item, a table
    (its header row first) or a code block. Inline Markdown is gone from the text: links read
    as their words, emphasis as plain words; code spans keep their backticks."""

    kind: BlockKind
    text: str = ""  # a paragraph's, title's or item's words; a code block's code
    cells: tuple[tuple[str, ...], ...] = ()  # a table's rows of cells, its header row first
    info: str = ""  # a code block's language
    depth: int = 0  # how deep in lists (0: not in one; 1: a top-level item or what it holds)
    number: int | None = None  # an item of a numbered list: its number
    first: bool = False  # an item that opens its list
    # What the block opens or belongs to: a paragraph right before a list, table or code
    # block names that block's kind; an item, table or code block holds the paragraph that
    # opens it (its intro) when there is one.
    opens: str = ""
    intro: str = ""

    def rows(self) -> list[str]:
        """A table's rows as lines (`| a | b |`), header first."""
        return ["| " + " | ".join(row) + " |" for row in self.cells]

    def render(self) -> str:
        """The block as plain text: what is embedded, searched and stored."""
        if self.kind == "code":
            return f"```{self.info}\n{self.text}\n```"
        if self.kind == "table":
            rows = self.rows()
            rule = "| " + " | ".join("---" for _ in self.cells[0]) + " |" if self.cells else ""
            return "\n".join([rows[0], rule, *rows[1:]]) if rows else ""
        if self.kind == "item":
            indent = "  " * max(self.depth - 1, 0)
            bullet = f"{self.number}." if self.number is not None else "-"
            return f"{indent}{bullet} {self.text}"
        return self.text

    def to_record(self) -> dict[str, Any]:
        """A compact JSON object: the fields that are not at their defaults."""
        record: dict[str, Any] = {"kind": self.kind}
        for name in ("text", "info", "depth", "number", "first", "opens", "intro"):
            value = getattr(self, name)
            if value not in ("", 0, None, False):
                record[name] = value
        if self.cells:
            record["cells"] = [list(row) for row in self.cells]
        return record

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Block:
        """Read back what `to_record` wrote."""
        values = dict(data)
        values["cells"] = tuple(tuple(str(c) for c in row) for row in values.get("cells", ()))
        return cls(**values)

    def with_text(self, text: str) -> Block:
        """The same block holding another piece of text (a long paragraph cut in pieces)."""
        return replace(self, text=text)


def separator(before: Block, block: Block) -> str:
    """What stands between two blocks in text: a line break between the items of one list,
    a blank line otherwise."""
    same_list = block.kind == "item" and before.kind == "item" and not block.first
    return "\n" if same_list else "\n\n"


def render_blocks(blocks: Sequence[Block]) -> str:
    """Blocks as plain text: a blank line between blocks; the items of one list on
    consecutive lines."""
    out: list[str] = []
    for n, block in enumerate(blocks):
        if n:
            out.append(separator(blocks[n - 1], block))
        out.append(block.render())
    return "".join(out)


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it, up to the next heading."""

    anchor: str
    heading: str
    level: int
    path: tuple[str, ...]
    blocks: tuple[Block, ...] = ()

    @property
    def text(self) -> str:
        """The section's blocks as plain text."""
        return render_blocks(self.blocks)


@dataclass(frozen=True)
class Page:
    """A parsed documentation page."""

    id: str
    title: str
    url: str
    sha256: str
    sections: tuple[Section, ...]
    links: tuple[Link, ...] = ()
    titled: bool = True  # False: the page has no heading, its title comes from its file name


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
    blocks: tuple[Block, ...] = ()

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
            "blocks": json.dumps([b.to_record() for b in self.blocks]),
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
        records = orjson.loads(str(meta.get("blocks") or "[]"))
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
            blocks=tuple(Block.from_record(r) for r in records),
        )


class Unit(NamedTuple):
    """A sentence, title line, list item, table row or code block of a chunk: what an answer
    quotes. A named tuple, not a dataclass: a build of whole guides reads 100,000 of them at
    every start, and a tuple is made several times faster."""

    chunk_id: str
    position: int  # order within the chunk
    block: int  # the chunk's block it comes from (-1: the heading path)
    # "heading", "sentence", "title", "item", "header" (a table's header row), "row" or "code"
    kind: str
    text: str
    heading: str  # the chunk's heading path, " > "-joined
    part: int = 0  # a sentence's place in its block, a row's in its table

    def to_record(self) -> list[Any]:
        """A compact JSON row (a build holds many units)."""
        return list(self)

    @classmethod
    def from_record(cls, row: list[Any]) -> Unit:
        """Read back what `to_record` wrote (seven fields, or a TypeError)."""
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
