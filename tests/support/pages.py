"""Chunks made from Markdown written for a test, read by the real parser."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from ingest.markdown import parse
from ingest.models import Block, Chunk, render_blocks


def blocks_of(markdown: str) -> tuple[Block, ...]:
    """The blocks of one section of Markdown."""
    sections = parse(f"# Test\n\n{markdown}\n", "test", "").sections
    return sections[0].blocks if sections else ()


def make_chunks(parts: Sequence[tuple[str, str, str]]) -> list[Chunk]:
    """A chunk per (page, section, text), in order. Consecutive parts of one section are
    read as one section, so what one chunk's text opens (a list, a table) opens the next
    chunk's too, as when a long section is cut into chunks."""
    chunks: list[Chunk] = []
    ordinals: dict[str, int] = {}
    for (page, section), group in groupby(parts, key=lambda p: (p[0], p[1])):
        texts = [text for _, _, text in group]
        blocks = list(blocks_of("\n\n".join(texts)))
        for text in texts:
            count = len(blocks_of(text))
            mine, blocks = tuple(blocks[:count]), blocks[count:]
            n = ordinals.get(page, 0)
            ordinals[page] = n + 1
            chunks.append(
                Chunk(
                    id=f"{page}::{n:04d}",
                    page_id=page,
                    ordinal=n,
                    title=page.title(),
                    section=section,
                    anchor=section.lower(),
                    heading_path=(page.title(), section),
                    text=render_blocks(mine),
                    url=f"https://example.com/{page}.html",
                    page_sha256="0" * 64,
                    blocks=mine,
                )
            )
    return chunks


def chunk(page: str, n: int, text: str, section: str = "Keys") -> Chunk:
    """One chunk of one section (`n`: its ordinal on the page)."""
    (made,) = make_chunks([(page, section, text)])
    return Chunk(**{**made.__dict__, "id": f"{page}::{n:04d}", "ordinal": n})
