"""The extractive reader: the answer units of the retrieved passages, scored by meaning (their
embedding, made at ingest) and by the question words they hold; the best leads the answer,
with what it needs to be read right (app/context.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.context import Candidate, Reading
from app.models import Hit, Role

__all__ = ["Candidate", "Composition", "Reading", "candidates", "compose", "lead"]


def candidates(
    hits: Sequence[Hit], reading: Reading, rows: Mapping[str, list[int]]
) -> list[Candidate]:
    """Every unit of the top pages' passages, scored."""
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[: reading.config.pages]):
        for place, passage in enumerate(hit.passages):
            for row in rows.get(passage.chunk_id, ()):
                if reading.units.units[row].kind != "heading":
                    out.append(reading.candidate(row, rank, passage, place))
    return out


@dataclass(frozen=True)
class Composition:
    """The answer's units: the lead (what a user reads first: the best unit and at most two
    more of its passage, in page order, with what they need to be read right), then the
    supporting units, grouped by page, each group in page order."""

    lead: tuple[Candidate, ...]
    support: tuple[tuple[Candidate, ...], ...] = ()

    @property
    def units(self) -> tuple[Candidate, ...]:
        """Every unit, in the order the answer shows them."""
        return (*self.lead, *(c for group in self.support for c in group))

    def groups(self) -> list[tuple[Role, Sequence[Candidate]]]:
        """The lead, then each page's supporting units, each with its part of the answer."""
        return [("lead", self.lead), *(("support", group) for group in self.support)]


def compose(pool: Sequence[Candidate], reading: Reading) -> Composition | None:
    """The lead, then the units close to it that add something (another page only when it
    holds a share of the question's words the others lack), each with what it needs, within
    the length budget; None when nothing scores."""
    cfg = reading.config
    ranked = sorted(pool, key=lambda c: -c.score)
    best = lead(ranked)
    if best is None or best.score <= 0:
        return None
    first = _fresh(_fit(reading.expand(best), best, cfg.lead_chars), [])
    for c in ranked:  # more of the best passage, while the lead stays short
        if c.score < cfg.lead_ratio * best.score or _main(first) >= cfg.lead_units:
            break
        if c.passage.chunk_id != best.passage.chunk_id or c.kind == "code":
            continue
        group = _fresh(reading.expand(c), first)
        if group and _size([*first, *group]) <= cfg.lead_chars:
            first.extend(group)
    first.sort(key=lambda c: c.row)
    return Composition(tuple(first), _support(ranked, first, best, reading))


def _support(
    ranked: Sequence[Candidate], first: list[Candidate], best: Candidate, reading: Reading
) -> tuple[tuple[Candidate, ...], ...]:
    """The supporting units, grouped by page (best page first), in page order."""
    cfg, lexicon, words = reading.config, reading.lexicon, reading.words
    chosen = list(first)
    covered = lexicon.covered(words, " ".join(c.text for c in chosen))
    pages: dict[str, list[Candidate]] = {}
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
        if _labels_only(group) or _size([*chosen, *group]) > cfg.max_chars:
            continue
        chosen.extend(group)
        pages.setdefault(c.passage.page_id, []).extend(group)
        covered |= new_words
    return tuple(tuple(sorted(group, key=lambda c: c.row)) for group in pages.values())


def _fit(group: list[Candidate], unit: Candidate, chars: int) -> list[Candidate]:
    """A unit with what it needs, cut to `chars` when it brings many lines (a list's items,
    a table's rows): the unit and the lines before it stay, then the best lines that fit."""
    if _size(group) <= chars:
        return group
    must = [c for c in group if c.row <= unit.row and c.kind not in ("item", "row")] + [unit]
    rest = sorted((c for c in group if c not in must), key=lambda c: -c.score)
    for c in rest:
        if _size([*must, c]) <= chars:
            must.append(c)
    return sorted(must, key=lambda c: c.row)


def _size(units: Sequence[Candidate]) -> int:
    """The characters a run of units takes, code blocks aside."""
    return sum(len(c.text) + 1 for c in units if c.kind != "code")


def _main(units: Sequence[Candidate]) -> int:
    """The units a run holds, the lines brought to read them aside (titles, headings)."""
    return sum(1 for c in units if c.kind not in ("heading", "title", "code"))


def _labels_only(units: Sequence[Candidate]) -> bool:
    """Whether a run holds nothing to read but titles and headings (or nothing at all)."""
    return all(c.kind in ("heading", "title") for c in units)


def lead(ranked: Sequence[Candidate]) -> Candidate | None:
    """The unit that leads the answer: the best one that is not a code block (a block is
    shown after the line that opens it, never first)."""
    return next((c for c in ranked if c.kind != "code"), None)


def _fresh(group: Sequence[Candidate], chosen: Sequence[Candidate]) -> list[Candidate]:
    """The group without units already chosen (or repeated by chunk overlap)."""
    seen = {c.row for c in chosen} | {c.text for c in chosen}
    out = []
    for c in group:
        if c.row not in seen and c.text not in seen:
            out.append(c)
            seen |= {c.row, c.text}
    return out


def _similar(a: str, b: str) -> bool:
    ta, tb = _words(a), _words(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


@lru_cache(maxsize=4096)  # the units of a few hundred answers
def _words(text: str) -> frozenset[str]:
    return frozenset(text.lower().split())
