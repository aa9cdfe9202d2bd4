"""The extractive reader: the answer units of the retrieved passages, scored by meaning (their
embedding, made at ingest) and by the question words they hold; the best leads the answer,
with what it needs to be read right (app/context.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from app.context import Candidate, Reading
from app.models import Hit

__all__ = ["Candidate", "Reading", "candidates", "lead", "order", "select"]


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
