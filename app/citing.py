"""The answer's blocks and their sources: each quoted unit cites one numbered source per cited
section, which holds every passage of it the answer quotes; the pages it quotes lead the
ranking it is shown with."""

from __future__ import annotations

from collections.abc import Sequence

from app.models import AnswerBlock, AnswerBlockKind, Citation, Hit, Passage, Quote, Role
from app.reader import Candidate
from ingest.models import Block

# The answer block each kind of unit is quoted in.
_BLOCK: dict[str, AnswerBlockKind] = {
    "heading": "label",
    "title": "label",
    "sentence": "prose",
    "item": "list",
    "header": "table",
    "row": "table",
    "code": "code",
}


def quote(unit: Candidate, n: int) -> Quote:
    """A unit as the answer quotes it, citing source `n`."""
    block = _block_of(unit)
    if unit.kind == "heading":
        return Quote("heading", unit.passage.section, (n,))
    if unit.kind in ("header", "row") and block is not None:
        cells = block.cells[unit.unit.part] if unit.unit.part < len(block.cells) else ()
        return Quote("header" if unit.kind == "header" else "row", unit.text, (n,), cells=cells)
    if unit.kind == "item" and block is not None:
        return Quote("item", unit.text, (n,), number=block.number, depth=block.depth)
    if unit.kind == "code" and block is not None:
        return Quote("code", unit.text, (n,), info=block.info)
    return Quote("title" if unit.kind == "title" else "sentence", unit.text, (n,))


def _block_of(unit: Candidate) -> Block | None:
    blocks = unit.passage.chunk.blocks
    return blocks[unit.unit.block] if 0 <= unit.unit.block < len(blocks) else None


def _joins(before: AnswerBlock, kind: AnswerBlockKind, unit: Candidate, last: Candidate) -> bool:
    """Whether a unit continues the block before it, from the same section: a sentence the
    paragraph, an item the list (the first item of a list opens one of its own), a row the
    table (a table split into chunks is one table; a header row opens one of its own)."""
    if before.kind != kind or kind in ("label", "code"):
        return False
    same = (last.passage.page_id, last.passage.anchor) == (
        unit.passage.page_id,
        unit.passage.anchor,
    )
    if kind == "table":
        return unit.kind == "row" and same
    if kind == "list":
        return same and unit.block is not None and not unit.block.first
    return same


def cite(
    groups: Sequence[tuple[Role, Sequence[Candidate]]],
) -> tuple[tuple[AnswerBlock, ...], tuple[Citation, ...]]:
    """The answer's blocks, group by group (the lead, then each supporting page), each unit
    citing its section's source; and one numbered source per cited section holding every
    chunk of it the answer quotes (so each quote can be found in the passage shown under
    its number)."""
    numbers: dict[tuple[str, str], int] = {}
    quoted: dict[int, dict[str, Passage]] = {}
    titled: set[int] = set()
    blocks: list[AnswerBlock] = []
    for role, units in groups:
        opened = len(blocks)  # a group's blocks never join the group's before it
        for i, unit in enumerate(units):
            p = unit.passage
            n = numbers.setdefault((p.page_id, p.anchor), len(numbers) + 1)
            quoted.setdefault(n, {}).setdefault(p.chunk_id, p)
            if unit.kind == "heading":
                titled.add(n)
            kind = _BLOCK[unit.kind]
            if len(blocks) > opened and _joins(blocks[-1], kind, unit, units[i - 1]):
                blocks[-1] = AnswerBlock(kind, (*blocks[-1].quotes, quote(unit, n)), role)
            else:
                blocks.append(AnswerBlock(kind, (quote(unit, n),), role))
    citations = []
    for n, chunks in quoted.items():
        first = next(iter(chunks.values()))
        passage = tuple(b for cid in sorted(chunks) for b in chunks[cid].chunk.blocks)
        score = max(c.score for c in chunks.values())
        citations.append(
            Citation(
                n,
                first.page_id,
                first.title,
                first.section,
                first.link,
                passage,
                score,
                titled=n in titled,
            )
        )
    return tuple(blocks), tuple(citations)


def cited_first(hits: Sequence[Hit], cited: Sequence[str]) -> tuple[Hit, ...]:
    """The ranking an answer is shown with: the pages it quotes first, in the order it cites
    them (the reader's choice, made on sentences, reranks retrieval's), then the others."""
    order = {page: n for n, page in enumerate(dict.fromkeys(cited))}
    return tuple(sorted(hits, key=lambda h: order.get(h.page_id, len(order))))
