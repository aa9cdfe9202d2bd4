"""What a quoted unit needs to be read right, found from the page's structure: the sentence it
leans on, the title line that names its paragraph, the list, rows or code block its line opens,
a row's table header; in page order, even across chunk boundaries."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.lexicon import Lexicon, stems
from app.models import Passage
from app.retrieve import Vector
from docqa.sections import ReaderSettings
from ingest.models import Block, Chunk, Unit
from ingest.units import UnitIndex

# A sentence opening with one of these leans on the one before ("These include PCI, ...").
_ANAPHOR = re.compile(
    r"^(These|This|They|Those|Such|It|For example|E\.g\.|However|Additionally|Also|"
    r"In addition|Otherwise|Instead|Therefore)\b"
)


@dataclass(frozen=True)
class Candidate:
    """One answer unit, scored against the question."""

    row: int
    unit: Unit
    passage: Passage
    hit_rank: int
    sim: float
    coverage: float
    score: float
    passage_rank: int = 0  # the passage's place among its page's retrieved passages

    @property
    def text(self) -> str:
        """The unit's text."""
        return self.unit.text

    @property
    def kind(self) -> str:
        """The unit's kind: "sentence", "title", "item", "header", "row", "code", ..."""
        return self.unit.kind

    @property
    def block(self) -> Block | None:
        """The block of its chunk the unit comes from (None for the heading path)."""
        blocks = self.passage.chunk.blocks
        return blocks[self.unit.block] if 0 <= self.unit.block < len(blocks) else None


def leans_on_before(c: Candidate) -> bool:
    """A sentence that opens with a word pointing back ("These include ...")."""
    return c.kind == "sentence" and bool(_ANAPHOR.match(c.text))


class Reading:
    """The units of a build in reading order, scored for one question."""

    def __init__(
        self,
        units: UnitIndex,
        chunks: Mapping[str, Chunk],
        sims: Vector,
        words: Sequence[str],
        lexicon: Lexicon,
        config: ReaderSettings,
    ) -> None:
        self.units, self.chunks, self.sims = units, chunks, sims
        self.words, self.lexicon, self.config = words, lexicon, config
        self.weighed = lexicon.weighed(words)  # the words' stems and weights, once

    def candidate(
        self, row: int, rank: int, passage: Passage | None = None, passage_rank: int = 0
    ) -> Candidate:
        """A unit scored: cosine plus weighted word coverage, discounted by page rank."""
        cfg, unit = self.config, self.units.units[row]
        cover = self.weighed.coverage(unit.text, unit.heading, cfg.heading_share)
        score = (float(self.sims[row]) + cfg.lexical_weight * cover) / (1 + cfg.rank_decay * rank)
        passage = passage or Passage(self.chunks[unit.chunk_id])
        sim = float(self.sims[row])
        return Candidate(row, unit, passage, rank, sim, cover, score, passage_rank)

    def new_words(self, text: str) -> float:
        """The share of a unit's words (by rarity) that the question does not hold: what it
        adds, where an answer stands."""
        asked = {stem for stem, _ in self.weighed.pairs}
        words = stems(text)
        total = sum(self.lexicon.idf.get(w, self.lexicon.top) for w in words) or 1.0
        return sum(self.lexicon.idf.get(w, self.lexicon.top) for w in words - asked) / total

    def after_title(self, c: Candidate) -> bool:
        """Whether a unit opens the paragraph right under a title line."""
        before = c.unit.position - 1
        if c.unit.part != 0 or before < 1:
            return False
        return self.units.units[c.row - 1].kind == "title"

    def step(self, row: int, direction: int) -> int | None:
        """The next (or previous) unit of the same page in reading order, past headings."""
        page = self.chunks[self.units.units[row].chunk_id].page_id
        row += direction
        while 0 <= row < len(self.units.units):
            unit = self.units.units[row]
            if self.chunks[unit.chunk_id].page_id != page:
                return None
            if unit.kind != "heading":
                return row
            row += direction
        return None

    def near(self, c: Candidate, row: int | None) -> Candidate | None:
        """The unit at `row` as a candidate ranked like `c`."""
        return None if row is None else self.candidate(row, c.hit_rank)

    def opens(self, c: Candidate) -> str:
        """What a sentence opens when it ends the paragraph right before a list, a table or
        a code block: that block's kind ("" otherwise)."""
        block = c.block
        return block.opens if block is not None and c.kind == "sentence" else ""

    def follow_on(self, lead: Candidate) -> list[Candidate]:
        """What a unit needs after it: the code block, list items or rows it opens (a
        table's header row opens its rows), the sentence a title line names, or the next
        sentence of its paragraph when that one leans on it."""
        nxt = self.near(lead, self.step(lead.row, 1))
        if nxt is None:
            return []
        if lead.kind == "title":
            named = nxt.unit.chunk_id == lead.unit.chunk_id and nxt.kind == "sentence"
            return [nxt] if named else []
        opened = self.opens(lead)
        if nxt.kind == "code" and opened == "code":
            return [nxt]
        if lead.kind == "header":
            rows = self.table_rows(lead.row, 1)
            return self.best_items([c for r in rows if (c := self.near(lead, r)) is not None])
        if opened in ("list", "table"):
            items: list[Candidate] = []
            most = self.config.max_list
            while nxt is not None and nxt.kind in ("item", "header", "row") and len(items) < most:
                items.append(nxt)
                nxt = self.near(lead, self.step(nxt.row, 1))
            return self.best_items(items)
        same = nxt.unit.chunk_id == lead.unit.chunk_id and nxt.unit.block == lead.unit.block
        return [nxt] if same and nxt.kind == "sentence" and _ANAPHOR.match(nxt.text) else []

    def lean_back(self, unit: Candidate) -> list[Candidate]:
        """What a unit needs before it: the sentence it leans on ("This includes ..."), the
        section title it leans on when it opens its section ("This policy grants ..." under
        "AWS managed policy: ComprehendReadOnly"), or the sentence that opens its code
        block or list (a table's row is read under its header instead)."""
        prev = self.near(unit, self.step(unit.row, -1))
        if unit.kind == "sentence":
            if not _ANAPHOR.match(unit.text):
                return []
            chunk = self.chunks[unit.unit.chunk_id]
            if prev is None or self.chunks[prev.unit.chunk_id].heading != chunk.heading:
                return [self.candidate(self.title_row(unit.row), unit.hit_rank, unit.passage)]
            same = prev.unit.chunk_id == unit.unit.chunk_id
            lean = same and prev.unit.block == unit.unit.block and prev.kind == "sentence"
            return [prev] if lean else []
        if prev is None:
            return []
        if unit.kind == "code":
            return [prev] if prev.kind == "sentence" else []
        if unit.kind != "item":
            return []
        while prev is not None and prev.kind == "item":
            prev = self.near(unit, self.step(prev.row, -1))
        return [prev] if prev is not None and self.opens(prev) == "list" else []

    def label_of(self, unit: Candidate) -> list[Candidate]:
        """The title line that names a sentence's paragraph, when the sentence opens it right
        under one ("Create an Amazon S3 VPC Endpoint", "Important"): the step or warning the
        sentence belongs to."""
        if unit.kind != "sentence" or unit.unit.part != 0:
            return []
        prev = self.near(unit, self.step(unit.row, -1))
        if prev is None or prev.unit.chunk_id != unit.unit.chunk_id:
            return []
        return [prev] if prev.kind == "title" else []

    def best_items(self, items: list[Candidate]) -> list[Candidate]:
        """A list's items, or a table's rows: the ones that match best when there are many."""
        if len(items) <= self.config.max_items:
            return items
        keep = sorted(items, key=lambda c: -c.score)[: self.config.max_items]
        return sorted(keep, key=lambda c: c.row)

    def table_rows(self, row: int, direction: int) -> list[int]:
        """The rows of a row's table after it (or before it), nearest first, across the
        chunks it was split into (each piece repeats the header, which is left out)."""
        units, out = self.units.units, list[int]()
        heading = self.chunks[units[row].chunk_id].heading
        nxt = self.step(row, direction)
        while nxt is not None and len(out) < self.config.max_list:
            unit = units[nxt]
            if unit.kind not in ("header", "row") or self.chunks[unit.chunk_id].heading != heading:
                break
            if unit.kind == "row":
                out.append(nxt)
            elif direction < 0:
                out.append(nxt)  # the header: the first row of the table, read backwards
                break
            nxt = self.step(nxt, direction)
        return out

    def table_head(self, unit: Candidate) -> Candidate | None:
        """The header row of the table a row belongs to, or None when the unit is not a
        row or its table has none."""
        if unit.kind != "row":
            return None
        before = self.table_rows(unit.row, -1)
        head = self.near(unit, before[-1]) if before else None
        return head if head is not None and head.kind == "header" else None

    def title_row(self, row: int) -> int:
        """The row of the heading unit of a unit's chunk."""
        while row > 0 and self.units.units[row].kind != "heading":
            row -= 1
        return row

    def expand(self, unit: Candidate) -> list[Candidate]:
        """A unit with what it needs before and after it; a list item or row comes with its
        list's opening line (a row with its table's header too) and the items of that list
        that match best (itself among them)."""
        before = self.lean_back(unit) or self.label_of(unit)
        head = self.table_head(unit)  # a row is read under its table's header
        if head is not None and not before:
            return [head, unit]
        if unit.kind in ("item", "row") and before:
            items = [c for c in self.follow_on(before[0]) if c.row != unit.row]
            keep = sorted([unit, *items], key=lambda c: -c.score)[: self.config.max_items]
            lines = {c.row: c for c in [*([head] if head else []), unit, *keep]}
            return [*before, *sorted(lines.values(), key=lambda c: c.row)]
        return [*before, unit, *self.follow_on(unit)]
