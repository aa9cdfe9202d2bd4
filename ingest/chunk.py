"""Structure-aware chunking: by section, never inside a code block or a table row."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.fences import fence_of
from ingest.models import Chunk, Page, Section

# 3: a chunk's vector is made from its answer units (ingest/units.chunk_vectors)
CHUNKER_VERSION = "3"


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """Split section text into ("code" | "table" | "prose", text) blocks."""
    kind, lines = "prose", []
    fence = ""
    for line in text.split("\n"):
        if kind == "code":
            lines.append(line)
            if fence_of(line) == fence:
                yield kind, "\n".join(lines)
                kind, lines = "prose", []
            continue
        marker = fence_of(line)
        is_row = line.lstrip().startswith("|")
        new_kind = "code" if marker else "table" if is_row else "prose"
        if new_kind != kind or marker:
            if lines:
                yield kind, "\n".join(lines)
            kind, lines, fence = new_kind, [], marker or ""
        lines.append(line)
    if lines:
        yield kind, "\n".join(lines)


def _wrap(line: str, width: int) -> list[str]:
    """A line cut into pieces of at most `width` characters, at a space when there is one."""
    pieces: list[str] = []
    while len(line) > width:
        cut = line.rfind(" ", 1, width + 1)
        if cut > 0:
            pieces.append(line[:cut])
            line = line[cut + 1 :]
        else:
            pieces.append(line[:width])
            line = line[width:]
    pieces.append(line)
    return pieces


def _split_code(block: str, max_chars: int) -> list[str]:
    """A code block whole, or cut at line ends and re-fenced (long lines wrapped, not cut off)."""
    if len(block) <= max_chars:
        return [block]
    lines = block.split("\n")
    closed = len(lines) > 1 and fence_of(lines[-1]) is not None
    fence, body = lines[0], lines[1:-1] if closed else lines[1:]
    closing = lines[-1] if closed else fence_of(fence) or "```"
    budget = max(max_chars - len(fence) - len(closing) - 2, 20)
    pieces: list[str] = []
    current: list[str] = []
    for line in (part for raw in body for part in _wrap(raw, budget)):
        if current and sum(len(x) + 1 for x in current) + len(line) > budget:
            pieces.append("\n".join([fence, *current, closing]))
            current = []
        current.append(line)
    pieces.append("\n".join([fence, *current, closing]))
    return pieces


def _split_table(block: str, size: int) -> list[str]:
    """Whole rows only; each piece after the first repeats the header rows."""
    rows = block.split("\n")
    header = (
        rows[:2] if len(rows) > 2 and set(rows[1].replace("|", "").strip()) <= set("-: ") else []
    )
    body = rows[len(header) :]
    pieces, current = [], list(header)
    for row in body:
        if len(current) > len(header) and sum(len(r) + 1 for r in current) + len(row) > size:
            pieces.append("\n".join(current))
            current = list(header)
        current.append(row)
    pieces.append("\n".join(current))
    return pieces


class Chunker:
    """Turns a Page into Chunks of at most `size` characters (a code block may be longer)."""

    def __init__(self, size: int = 1000, overlap: int = 100, max_block: int = 4000) -> None:
        self.size, self.max_block = size, max_block
        self.prose = RecursiveCharacterTextSplitter(
            chunk_size=size,
            chunk_overlap=min(overlap, size // 4),
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
            strip_whitespace=True,
        )

    @property
    def fingerprint(self) -> str:
        """Identifies chunker code and settings; a change means re-chunking every page."""
        return f"v{CHUNKER_VERSION}-s{self.size}-o{self.prose._chunk_overlap}-b{self.max_block}"

    def pieces(self, text: str) -> list[str]:
        """Atomic pieces of a section, each within budget, in order."""
        out: list[str] = []
        for kind, block in _blocks(text):
            if not block.strip():
                continue
            if kind == "code":
                out.extend(_split_code(block.strip("\n"), self.max_block))
            elif kind == "table":
                out.extend(_split_table(block.strip("\n"), self.size))
            elif len(block) > self.size:
                out.extend(self.prose.split_text(block))
            else:
                out.append(block.strip())
        return [piece for piece in out if piece.strip()]

    def pack(self, pieces: list[str]) -> list[str]:
        """Greedily join consecutive pieces while the result stays within budget."""
        packed: list[str] = []
        for piece in pieces:
            if packed and len(packed[-1]) + 2 + len(piece) <= self.size:
                packed[-1] = packed[-1] + "\n\n" + piece
            else:
                packed.append(piece)
        return packed

    def section_texts(self, section: Section) -> list[str]:
        """Chunk texts of one section."""
        return self.pack(self.pieces(section.text))

    def chunk(self, page: Page) -> list[Chunk]:
        """All chunks of a page, with ids `<page id>::<ordinal>`."""
        chunks: list[Chunk] = []
        for section in page.sections:
            for text in self.section_texts(section):
                n = len(chunks)
                chunks.append(
                    Chunk(
                        id=f"{page.id}::{n:04d}",
                        page_id=page.id,
                        ordinal=n,
                        title=page.title,
                        section=section.heading,
                        anchor=section.anchor,
                        heading_path=section.path,
                        text=text,
                        url=page.url,
                        page_sha256=page.sha256,
                    )
                )
        return chunks
