"""The extractive reader: the answer units of the retrieved passages, scored by meaning (their
embedding, made at ingest) and by the question words they hold; the best leads the answer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.lexicon import Lexicon
from app.models import Citation, Hit, Passage
from app.retrieve import Vector
from ingest.units import UnitIndex

# Sentences that point elsewhere instead of saying something: references to other pages and
# sentences about the document itself. Documentation is full of them in every domain.
_NAVIGATION = re.compile(
    r"^(for (more )?(information|details)\b|for (a|an|the) (list|table|overview|example|"
    r"description|summary|introduction)\b|to learn (more|about|how)\b|learn more\b|see also\b|"
    r"(this|the following|these) (topic|section|page|chapter|guide|document|tutorial)s?\b|"
    r"before you (proceed|begin|start)\b|in this (topic|section|page|chapter|guide)\b)",
    re.IGNORECASE,
)
# A sentence opening with one of these leans on the one before ("These include PCI, ...").
_ANAPHOR = re.compile(r"^(These|This|They|Those|Such|It|For example|E\.g\.)\b")
_LIST = re.compile(r"^(- |\d+\. |\|)")


@dataclass(frozen=True)
class ReaderConfig:
    """How units are scored and how many make an answer; `docqa tune` can fit these."""

    lexical_weight: float = 0.5  # question-word coverage, beside the cosine
    heading_share: float = 0.3  # a word found only in the heading path counts this much
    rank_decay: float = 0.15  # each page further down the ranking costs this share
    navigation_factor: float = 0.4  # a sentence that only points elsewhere
    label_factor: float = 0.5  # a short line with no closing punctuation ("Important")
    keep_ratio: float = 0.75  # units scoring at least this share of the best may join it
    other_page_ratio: float = 0.9  # ... from another page, only this close, or with new words
    max_units: int = 5
    max_chars: int = 1200
    pages: int = 3


@dataclass(frozen=True)
class Candidate:
    """One answer unit of a retrieved passage, scored against the question."""

    row: int
    text: str
    kind: str
    position: int
    paragraph: int
    passage: Passage
    hit_rank: int
    sim: float
    coverage: float
    score: float


def is_navigation(text: str) -> bool:
    """True for a sentence that points elsewhere instead of answering."""
    return bool(_NAVIGATION.match(text.strip("*_ ")))


def is_label(text: str, kind: str) -> bool:
    """A short line with no closing punctuation: a pseudo-heading or a note label."""
    return kind == "sentence" and (len(text) < 25 or text.rstrip()[-1:] not in ".:?!)")


def candidates(
    hits: Sequence[Hit],
    sims: Vector,
    units: UnitIndex,
    rows: Mapping[str, list[int]],
    words: Sequence[str],
    lexicon: Lexicon,
    config: ReaderConfig,
) -> list[Candidate]:
    """Every unit of the top pages' passages, scored: cosine plus weighted word coverage,
    discounted by page rank, for navigation sentences and for labels."""
    out: list[Candidate] = []
    for rank, hit in enumerate(hits[: config.pages]):
        for passage in hit.passages:
            for row in rows.get(passage.chunk_id, ()):
                unit = units.units[row]
                cover = lexicon.coverage(words, unit.text, unit.heading, config.heading_share)
                score = (float(sims[row]) + config.lexical_weight * cover) / (
                    1 + config.rank_decay * rank
                )
                if is_navigation(unit.text):
                    score *= config.navigation_factor
                elif is_label(unit.text, unit.kind):
                    score *= config.label_factor
                out.append(
                    Candidate(
                        row, unit.text, unit.kind, unit.position, unit.paragraph, passage,
                        rank, float(sims[row]), cover, score,
                    )
                )  # fmt: skip
    return out


def follow_on(lead: Candidate, pool: Sequence[Candidate], max_items: int = 8) -> list[Candidate]:
    """What a unit needs after it to be read right: the list items, rows or code block its
    colon introduces, or the next sentence of its paragraph when that one leans on it."""
    after = sorted(
        (c for c in pool if c.passage.chunk_id == lead.passage.chunk_id and c.position > lead.position),
        key=lambda c: c.position,
    )
    if not lead.text.rstrip().endswith(":"):
        nxt = after[0] if after else None
        if nxt is not None and nxt.paragraph == lead.paragraph and _ANAPHOR.match(nxt.text):
            return [nxt]
        return []
    if after and after[0].kind == "code":
        return [after[0]]
    items: list[Candidate] = []
    for c in after:
        if c.kind not in ("item", "row"):
            break
        items.append(c)
    if len(items) > max_items:
        keep = sorted(items, key=lambda c: (-c.score, c.position))[:max_items]
        items = sorted(keep, key=lambda c: c.position)
    return items


def select(
    pool: Sequence[Candidate], words: Sequence[str], lexicon: Lexicon, config: ReaderConfig
) -> list[Candidate]:
    """The answer's units: the best one first, then those close to it that add something
    (another page only when it is as good or holds question words the others lack), each
    with what it needs to be read right; within the length budget."""
    ranked = sorted(pool, key=lambda c: -c.score)
    if not ranked or ranked[0].score <= 0:
        return []
    best = ranked[0]
    chosen: list[Candidate] = [best, *follow_on(best, pool)]
    covered = lexicon.covered(words, " ".join(c.text for c in chosen))
    for c in ranked[1:]:
        if len(chosen) >= config.max_units or c.score < config.keep_ratio * best.score:
            break
        if any(c.row == x.row or _similar(c.text, x.text) for x in chosen):
            continue
        new_words = lexicon.covered(words, c.text) - covered
        if c.passage.page_id != best.passage.page_id and not (
            c.score >= config.other_page_ratio * best.score or new_words
        ):
            continue
        extra = [u for u in follow_on(c, pool) if all(u.row != x.row for x in chosen)]
        size = sum(len(x.text) for x in [*chosen, c, *extra])
        if size > config.max_chars and not extra:
            continue
        chosen.extend([c, *extra])
        covered |= new_words
    return order(chosen)


def order(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The lead unit's passage first, from the lead on; then the other passages by their
    best unit; reading order inside a passage."""
    if not chosen:
        return []
    lead = chosen[0]
    groups: dict[str, list[Candidate]] = {}
    for c in chosen:
        groups.setdefault(c.passage.chunk_id, []).append(c)
    first = sorted(groups.pop(lead.passage.chunk_id), key=lambda c: c.position)
    head = [c for c in first if c.position >= lead.position]
    tail = [c for c in first if c.position < lead.position]
    rest = sorted(groups.values(), key=lambda g: -max(c.score for c in g))
    return head + tail + [c for g in rest for c in sorted(g, key=lambda c: c.position)]


def _similar(a: str, b: str) -> bool:
    ta, tb = set(a.lower().split()), set(b.lower().split())
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def cite(units: Sequence[Candidate]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a `[n]` after each unit, and one numbered source per cited section."""
    # A source's passage joins every chunk of its section that the answer quotes, so each
    # quoted sentence can be found in the passage shown under its number.
    numbers: dict[tuple[str, str], int] = {}
    quoted: dict[int, dict[str, Passage]] = {}
    parts: list[str] = []
    for unit in units:
        p = unit.passage
        n = numbers.setdefault((p.page_id, p.anchor), len(numbers) + 1)
        quoted.setdefault(n, {}).setdefault(p.chunk_id, p)
        sep = "\n" if unit.kind == "code" else " "
        parts.append(f"{unit.text}{sep}[{n}]")
    citations = []
    for n, chunks in quoted.items():
        first = next(iter(chunks.values()))
        text = "\n\n".join(chunks[cid].text for cid in sorted(chunks))
        score = max(c.score for c in chunks.values())
        citations.append(
            Citation(n, first.page_id, first.title, first.section, first.link, text, score)
        )
    return "\n\n".join(_join(parts)), tuple(citations)


def _join(parts: list[str]) -> list[str]:
    """Prose runs into one paragraph; list items, rows and code stay on their own lines."""
    paragraphs: list[str] = []
    for part in parts:
        block = part.startswith("```") or bool(_LIST.match(part))
        if paragraphs and not block and not _LIST.match(paragraphs[-1]) and not (
            paragraphs[-1].startswith("```")
        ):
            paragraphs[-1] += " " + part
        else:
            paragraphs.append(part)
    return paragraphs

