"""Structure-aware chunking: a section's blocks packed into chunks, never cutting a code block
(below its own budget), a table row or a list item; a long paragraph is cut by LangChain's
splitter."""

from __future__ import annotations

from dataclasses import replace

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.models import Block, Chunk, Page, Section, render_blocks, separator

# 4: chunks carry the typed blocks they are made of (ingest/markdown.py)
CHUNKER_VERSION = "4"


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


def _split_code(block: Block, max_chars: int) -> list[Block]:
    """A code block whole, or cut at line ends (long lines wrapped, not cut off)."""
    if len(block.render()) <= max_chars:
        return [block]
    budget = max(max_chars - len(block.info) - 8, 20)
    pieces: list[list[str]] = [[]]
    for line in (part for raw in block.text.split("\n") for part in _wrap(raw, budget)):
        if pieces[-1] and sum(len(x) + 1 for x in pieces[-1]) + len(line) > budget:
            pieces.append([])
        pieces[-1].append(line)
    return [block.with_text("\n".join(lines)) for lines in pieces]


def _split_table(block: Block, size: int) -> list[Block]:
    """Whole rows only; each piece repeats the header row."""
    header, *body = block.cells
    pieces: list[list[tuple[str, ...]]] = [[header]]
    for row in body:
        candidate = Block("table", cells=(*pieces[-1], row))
        if len(pieces[-1]) > 1 and len(candidate.render()) > size:
            pieces.append([header])
        pieces[-1].append(row)
    return [Block("table", cells=tuple(rows), intro=block.intro) for rows in pieces]


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

    def pieces(self, blocks: tuple[Block, ...]) -> list[Block]:
        """A section's blocks, each within budget, in order."""
        out: list[Block] = []
        for block in blocks:
            if block.kind == "code":
                out.extend(_split_code(block, self.max_block))
            elif block.kind == "table" and len(block.render()) > self.size:
                out.extend(_split_table(block, self.size))
            elif block.kind != "table" and len(block.render()) > self.size:
                out.extend(self._split_prose(block))
            else:
                out.append(block)
        return out

    def _split_prose(self, block: Block) -> list[Block]:
        """A long paragraph or item cut by the splitter: what opens a list stays with the
        last piece, an item's bullet with the first."""
        texts = [text for text in self.prose.split_text(block.text) if text.strip()]
        pieces = []
        for n, text in enumerate(texts):
            piece = block.with_text(text)
            if n < len(texts) - 1:
                piece = replace(piece, opens="")
            if n and block.kind == "item":
                piece = replace(piece, kind="paragraph", number=None, first=False)
            pieces.append(piece)
        return pieces

    def pack(self, pieces: list[Block]) -> list[tuple[Block, ...]]:
        """Greedily join consecutive blocks while the chunk stays within budget."""
        packed: list[list[Block]] = []
        size = 0
        for piece in pieces:
            grown = (
                size + len(separator(packed[-1][-1], piece)) + len(piece.render()) if packed else 0
            )
            if packed and grown <= self.size:
                packed[-1].append(piece)
                size = grown
            else:
                packed.append([piece])
                size = len(piece.render())
        return [tuple(group) for group in packed]

    def section_blocks(self, section: Section) -> list[tuple[Block, ...]]:
        """The blocks of each chunk of one section."""
        return self.pack(self.pieces(section.blocks))

    def chunk(self, page: Page) -> list[Chunk]:
        """All chunks of a page, with ids `<page id>::<ordinal>`."""
        chunks: list[Chunk] = []
        for section in page.sections:
            for blocks in self.section_blocks(section):
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
                        text=render_blocks(blocks),
                        url=page.url,
                        page_sha256=page.sha256,
                        blocks=blocks,
                    )
                )
        return chunks
