"""The extractive answer: the most relevant sentences of the retrieved passages, cited."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from app.models import Citation, Hit, Passage
from ingest.lexical import tokenize

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")
_CODE = re.compile(r"```.*?```", re.DOTALL)
_CODE_WORDS = frozenset(
    {"policy", "json", "example", "statement", "code", "cli", "command", "permissions", "actions"}
)
_LIST_ITEM = re.compile(r"^(- |\d+\. |\|)")
# A sentence opening with one of these leans on the one before ("These include PCI, ...").
_ANAPHOR = re.compile(r"^(These|This|They|Those|Such|It|For example|E\.g\.)\b")
LIST_ITEM_CHARS = 500  # a list item up to this long is one unit, not split into sentences
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The English stem of a token ("fields" -> "field"); identifiers stay whole."""
    return token if ":" in token else _STEMMER.stemWord(token)


def stems(text: str) -> set[str]:
    """The stems of a text's tokens."""
    return {stem(t) for t in tokenize(text)}


@dataclass(frozen=True)
class Unit:
    """A sentence, list item, table row or code block of a passage."""

    text: str
    passage: Passage
    hit_rank: int
    position: int
    score: float = 0.0
    paragraph: int = 0


def units_of(text: str) -> list[tuple[str, int]]:
    """Split passage text into sentences, list items, table rows and whole code blocks,
    each with the paragraph it comes from (the offset where its line starts)."""
    out: list[tuple[str, int]] = []
    last = 0
    for match in _CODE.finditer(text):
        out.extend(_prose_units(text[last : match.start()], last))
        out.append((match.group(0), match.start()))
        last = match.end()
    out.extend(_prose_units(text[last:], last))
    return out


def _prose_units(text: str, offset: int) -> list[tuple[str, int]]:
    units: list[tuple[str, int]] = []
    for raw in text.split("\n"):
        line, start = raw.strip(), offset
        offset += len(raw) + 1
        if not line or set(line) <= set("|-: "):
            continue
        if _LIST_ITEM.match(line) and len(line) <= LIST_ITEM_CHARS:
            units.append((line, start))
            continue
        units.extend((s.strip(), start) for s in _SENTENCE.split(line) if s.strip())
    return units


def idf_table(texts: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of every token over the indexed passages."""
    df: dict[str, int] = {}
    n = 0
    for text in texts:
        n += 1
        for token in set(tokenize(text)):
            df[token] = df.get(token, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


def coverage(question_tokens: Sequence[str], text: str, idf: Mapping[str, float]) -> float:
    """Share of the question's IDF weight whose tokens occur in the text (as the same stem:
    "fields" matches "field")."""
    weights = {t: idf.get(t, 1.0) for t in question_tokens}
    total = sum(weights.values())
    if total == 0:
        return 0.0
    present = stems(text)
    return sum(w for t, w in weights.items() if stem(t) in present) / total


def score_units(
    question: str, hits: Sequence[Hit], idf: Mapping[str, float], pages: int = 3
) -> list[Unit]:
    """Every unit of the top pages' passages, scored against the question."""
    tokens = list(dict.fromkeys(tokenize(question)))
    wants_code = bool(_CODE_WORDS & set(tokens))
    scored: list[Unit] = []
    for rank, hit in enumerate(hits[:pages]):
        for passage in hit.passages:
            context = f"{passage.heading_path}"
            for pos, (text, paragraph) in enumerate(units_of(passage.text)):
                is_code = text.startswith("```")
                base = coverage(tokens, text, idf) + 0.25 * coverage(tokens, context, idf)
                short = len(text) < 25 and not is_code
                # A line with no closing punctuation is a label ("Note", a bold pseudo-heading).
                label = not is_code and not _LIST_ITEM.match(text) and text[-1] not in ".:?!)"
                prior = 1.0 / (1 + 0.35 * rank) * (0.5 if short or label else 1.0)
                if is_code and not wants_code:
                    prior *= 0.3
                scored.append(Unit(text, passage, rank, pos, base * prior, paragraph))
    return scored


def follow_on(unit: Unit, units: Sequence[Unit], max_items: int = 8) -> list[Unit]:
    """What a unit needs after it to be read right: the list items or code block a colon
    introduces, or the next sentence of its paragraph when that one leans on it."""
    same = [
        u
        for u in units
        if u.passage.chunk_id == unit.passage.chunk_id and u.position > unit.position
    ]
    same.sort(key=lambda u: u.position)
    if not unit.text.rstrip().endswith(":"):
        nxt = same[0] if same else None
        if nxt is not None and nxt.paragraph == unit.paragraph and _ANAPHOR.match(nxt.text):
            return [nxt]
        return []
    if same and same[0].text.startswith("```"):
        return [same[0]]
    items: list[Unit] = []
    for u in same:
        if not _LIST_ITEM.match(u.text):
            break
        items.append(u)
    if len(items) > max_items:
        keep = sorted(items, key=lambda u: (-u.score, u.position))[:max_items]
        items = sorted(keep, key=lambda u: u.position)
    return items


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def select(units: Sequence[Unit], max_units: int = 5, max_chars: int = 1200) -> list[Unit]:
    """The best units, without repeats, within a length budget, in reading order; a unit
    that introduces a list or a code block brings it along."""
    chosen: list[Unit] = []
    ranked = sorted(units, key=lambda u: -u.score)
    best = ranked[0].score if ranked else 0.0
    top_page = ranked[0].passage.page_id if ranked else ""
    for unit in ranked:
        if len(chosen) >= max_units or unit.score < 0.3 * best or unit.score <= 0:
            break
        if unit.passage.page_id != top_page and unit.score < 0.75 * best:
            continue
        if any(unit is c or _similar(unit.text, c.text) for c in chosen):
            continue
        extra = [u for u in follow_on(unit, units) if all(u is not c for c in chosen)]
        size = sum(len(c.text) for c in chosen) + sum(len(u.text) for u in [unit, *extra])
        if chosen and size > max_chars and not extra:
            continue
        chosen.extend([unit, *extra])
    return sorted(chosen, key=lambda u: (u.hit_rank, u.passage.chunk_id, u.position))


def cite(units: Sequence[Unit]) -> tuple[str, tuple[Citation, ...]]:
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
        sep = "\n" if unit.text.startswith("```") else " "
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
    """Prose runs into one paragraph; list items and code stay on their own lines."""
    paragraphs: list[str] = []
    for part in parts:
        block = part.startswith(("```", "- ", "|")) or re.match(r"^\d+\.", part)
        if paragraphs and not block and not paragraphs[-1].startswith(("```", "- ", "|")):
            paragraphs[-1] += " " + part
        else:
            paragraphs.append(part)
    return paragraphs
