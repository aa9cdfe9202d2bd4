"""The extractive reader: the answer units of the retrieved passages, scored by meaning (their
embedding, made at ingest) and by the question words they hold; the best leads the answer,
with what it needs to be read right (the sentence it leans on, the list or block it opens)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.lexicon import Lexicon
from app.models import Hit, Passage
from app.retrieve import Vector
from docqa.sections import ReaderSettings
from ingest.models import Chunk, Unit
from ingest.units import UnitIndex

# Sentences that point elsewhere instead of saying something: references to other pages and
# sentences about the document itself. Documentation is full of them in every domain.
_NAVIGATION = re.compile(
    r"^(for (\w+ ){0,3}(information|details)\b|for (a|an|the) (\w+ ){0,2}(list|table|overview|"
    r"example|description|summary|introduction)\b|to learn (more|about|how)\b|learn more\b|"
    r"see also\b|see\s|(this|the following|these) (topic|section|page|chapter|guide|document|"
    r"tutorial)s?\b|before you (proceed|begin|start)\b|in this (topic|section|page|chapter|"
    r"guide)\b)",
    re.IGNORECASE,
)
# A sentence opening with one of these leans on the one before ("These include PCI, ...").
_ANAPHOR = re.compile(
    r"^(These|This|They|Those|Such|It|For example|E\.g\.|However|Additionally|Also|"
    r"In addition|Otherwise|Instead|Therefore)\b"
)
# A sentence that introduces what follows it: a list, a table or an example block.
_INTRO = re.compile(r"(:\s*$|\bthe following\b|\bfollowing (example|policy|command)\b)", re.I)
TITLE_CHARS = 80  # a title line is at most this long


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

    @property
    def text(self) -> str:
        """The unit's text."""
        return self.unit.text

    @property
    def kind(self) -> str:
        """ "sentence", "item", "row" or "code"."""
        return self.unit.kind


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

    def candidate(self, row: int, rank: int, passage: Passage | None = None) -> Candidate:
        """A unit scored: cosine plus weighted word coverage, discounted by page rank, for
        navigation sentences and for labels."""
        cfg, unit = self.config, self.units.units[row]
        cover = self.weighed.coverage(unit.text, unit.heading, cfg.heading_share)
        score = (float(self.sims[row]) + cfg.lexical_weight * cover) / (1 + cfg.rank_decay * rank)
        if is_navigation(unit.text):
            score *= cfg.navigation_factor
        elif is_label(unit.text, unit.kind):
            score *= cfg.label_factor
        passage = passage or Passage(self.chunks[unit.chunk_id])
        return Candidate(row, unit, passage, rank, float(self.sims[row]), cover, score)

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

    def follow_on(self, lead: Candidate) -> list[Candidate]:
        """What a unit needs after it: the code block, list items or rows it introduces (a
        table's header row introduces its rows), or the next sentence of its paragraph when
        that one leans on it."""
        nxt = self.near(lead, self.step(lead.row, 1))
        if nxt is None:
            return []
        if nxt.kind == "code" and _INTRO.search(lead.text):
            return [nxt]
        header = lead.kind == "row" and self.table_head(lead) is None
        if header:
            rows = self.table_rows(lead.row, 1)
            return self.best_items([c for r in rows if (c := self.near(lead, r)) is not None])
        if lead.text.rstrip().endswith(":"):
            items: list[Candidate] = []
            while (
                nxt is not None
                and nxt.kind in ("item", "row")
                and len(items) < self.config.max_list
            ):
                items.append(nxt)
                nxt = self.near(lead, self.step(nxt.row, 1))
            return self.best_items(items)
        same = nxt.unit.chunk_id == lead.unit.chunk_id and nxt.unit.paragraph == lead.unit.paragraph
        return [nxt] if same and _ANAPHOR.match(nxt.text) else []

    def lean_back(self, unit: Candidate) -> list[Candidate]:
        """What a unit needs before it: the sentence it leans on ("This includes ..."), the
        section title it leans on when it opens its section ("This policy grants ..." under
        "AWS managed policy: ComprehendReadOnly"), or the line that introduces its code block,
        list item or row."""
        prev = self.near(unit, self.step(unit.row, -1))
        if unit.kind == "sentence":
            if not _ANAPHOR.match(unit.text):
                return []
            chunk = self.chunks[unit.unit.chunk_id]
            if prev is None or self.chunks[prev.unit.chunk_id].heading != chunk.heading:
                return [self.candidate(self.title_row(unit.row), unit.hit_rank, unit.passage)]
            same = prev.unit.chunk_id == unit.unit.chunk_id
            lean = same and prev.unit.paragraph == unit.unit.paragraph and prev.kind == "sentence"
            return [prev] if lean else []
        if prev is None:
            return []
        if unit.kind == "code":
            return [prev] if prev.kind == "sentence" else []
        while prev is not None and prev.kind in ("item", "row"):
            prev = self.near(unit, self.step(prev.row, -1))
        return [prev] if prev is not None and prev.text.rstrip().endswith(":") else []

    def label_of(self, unit: Candidate) -> list[Candidate]:
        """The title line that names a sentence's paragraph, when the sentence opens it right
        under one ("Create an Amazon S3 VPC Endpoint", "Important"): the step or warning the
        sentence belongs to."""
        if unit.kind != "sentence":
            return []
        prev = self.near(unit, self.step(unit.row, -1))
        if prev is None or prev.unit.chunk_id != unit.unit.chunk_id:
            return []
        opens = prev.unit.paragraph != unit.unit.paragraph
        return [prev] if opens and is_title_line(prev.text, prev.kind) else []

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
            if unit.kind != "row" or self.chunks[unit.chunk_id].heading != heading:
                break
            out.append(nxt)
            nxt = self.step(nxt, direction)
        first = out[-1] if direction < 0 and out else row
        return [r for r in out if units[r].text != units[first].text or r == first]

    def table_head(self, unit: Candidate) -> Candidate | None:
        """The header row of the table a row belongs to (its first row), or None when the
        unit is not a row or is the header itself."""
        if unit.kind != "row":
            return None
        before = self.table_rows(unit.row, -1)
        return self.near(unit, before[-1]) if before else None

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


def is_navigation(text: str) -> bool:
    """True for a sentence that points elsewhere instead of answering."""
    return bool(_NAVIGATION.match(text.strip("*_ ")))


def is_label(text: str, kind: str) -> bool:
    """A short line with no closing punctuation: a pseudo-heading or a note label."""
    return kind == "sentence" and (len(text) < 25 or text.rstrip()[-1:] not in ".:?!)")


def is_title_line(text: str, kind: str) -> bool:
    """A short line that names what follows it instead of saying something: it ends in a
    word, with no closing punctuation ("Create an Amazon S3 VPC Endpoint", "Important")."""
    line = text.strip()
    return kind == "sentence" and len(line) <= TITLE_CHARS and line[-1:].isalnum()


def candidates(
    hits: Sequence[Hit], reading: Reading, rows: Mapping[str, list[int]]
) -> list[Candidate]:
    """Every unit of the top pages' passages, scored."""
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[: reading.config.pages]):
        for passage in hit.passages:
            for row in rows.get(passage.chunk_id, ()):
                if reading.units.units[row].kind != "heading":
                    out.append(reading.candidate(row, rank, passage))
    return out


def select(pool: Sequence[Candidate], reading: Reading) -> list[Candidate]:
    """The answer's units: the best sentence or item first, then the units close to it that
    add something (another page only when it holds a share of the question's words the others
    lack; a code block as well as it matches, after its intro), each with what it needs to be
    read right; within the length budget."""
    cfg, lexicon, words = reading.config, reading.lexicon, reading.words
    ranked = sorted(pool, key=lambda c: -c.score)
    best = lead(ranked, reading)
    if best is None or best.score <= 0:
        return []
    ranked.remove(best)
    chosen: list[Candidate] = _fresh(reading.expand(best), [])
    start = chosen[0]
    covered = lexicon.covered(words, " ".join(c.text for c in chosen))
    for c in ranked:
        if c.score < cfg.keep_ratio * best.score:
            break
        if any(c.row == x.row or _similar(c.text, x.text) for x in chosen):
            continue
        new_words = lexicon.covered(words, c.text) - covered
        other_page = c.passage.page_id != best.passage.page_id
        if other_page and lexicon.share(new_words, words) < cfg.other_page_words:
            continue
        group = _fresh(reading.expand(c), chosen)
        size = sum(len(x.text) for x in [*chosen, *group] if x.kind != "code")
        if size > cfg.max_chars:  # the lead and what it needs always go in; then the budget
            continue
        chosen.extend(group)
        covered |= new_words
    return order(chosen, start)


def lead(ranked: Sequence[Candidate], reading: Reading) -> Candidate | None:
    """The unit that leads the answer: the best sentence or item, where a sentence that leans
    on the one before it ("For example, ...") competes as the pair it is quoted as (the mean
    of the two scores): the pair is what the reader reads first."""
    best: Candidate | None = None
    best_score = float("-inf")
    for c in ranked:  # best first: a pair never scores above its own unit
        if c.score <= best_score:
            break
        if c.kind == "code":
            continue
        before = reading.lean_back(c) if c.kind == "sentence" else []
        score = c.score
        if before and before[0].kind == "sentence":
            score = (c.score + before[0].score) / 2
        if score > best_score:
            best, best_score = c, score
    return best


def _fresh(group: Sequence[Candidate], chosen: Sequence[Candidate]) -> list[Candidate]:
    """The group without units already chosen (or repeated by chunk overlap)."""
    seen = {c.row for c in chosen} | {c.text for c in chosen}
    out = []
    for c in group:
        if c.row not in seen and c.text not in seen:
            out.append(c)
            seen |= {c.row, c.text}
    return out


def order(chosen: Sequence[Candidate], lead: Candidate) -> list[Candidate]:
    """The lead's section first, from the lead on and then what came before it; then the
    other sections, best first; reading order inside a section."""
    if not chosen:
        return []
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in chosen:
        groups.setdefault((c.passage.page_id, c.passage.anchor), []).append(c)
    first = sorted(groups.pop((lead.passage.page_id, lead.passage.anchor)), key=lambda c: c.row)
    head = [c for c in first if c.row >= lead.row]
    tail = [c for c in first if c.row < lead.row]
    rest = sorted(groups.values(), key=lambda g: -max(c.score for c in g))
    return head + tail + [c for g in rest for c in sorted(g, key=lambda c: c.row)]


def _similar(a: str, b: str) -> bool:
    ta, tb = _words(a), _words(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


@lru_cache(maxsize=4096)  # the units of a few hundred answers
def _words(text: str) -> frozenset[str]:
    return frozenset(text.lower().split())
