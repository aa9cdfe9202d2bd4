"""Pseudo-questions made from documents only, for `docqa calibrate`.

Positives come from the indexed pages: their section headings asked as questions, and their
sentences as keyword queries with the sentence itself hidden (the inverse cloze task: the rest
of the pages must recognise it). Negatives come from pages that are not indexed: headings and
sentences of the neighbouring pages (real near misses: the same kind of documentation), and
general text (the docstrings of Python's standard library). No evaluation question is read."""

from __future__ import annotations

import importlib
import inspect
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.lexicon import Lexicon
from ingest.lexical import STOPWORDS, word_parts
from ingest.markdown import parse
from ingest.models import HEADING_JOIN
from ingest.sentences import split_sentences
from ingest.sources import decode, scan
from ingest.units import block_units

if TYPE_CHECKING:
    from app.loaded import Loaded

# General text: what the standard library says about itself, on every machine, offline.
GENERAL_MODULES = (
    "argparse asyncio calendar collections csv datetime decimal difflib email fractions heapq "
    "http itertools json logging pathlib random re shutil socket sqlite3 statistics string "
    "textwrap threading turtle unittest wave zipfile"
).split()
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:_./-]*")


@dataclass(frozen=True)
class Pseudo:
    """A question made from a document, and whether the indexed pages answer it."""

    text: str
    answerable: bool
    source: str
    hidden_rows: tuple[int, ...] = ()  # the indexed unit it was made from
    hidden_page: str = ""  # the neighbouring page it was made from


@dataclass(frozen=True)
class Sizes:
    """How many pseudo-questions of each kind (positives: every indexed sentence/heading)."""

    # Positives: every indexed sentence and heading, up to these many (a sample of a large
    # index: whole guides hold tens of thousands).
    indexed_sentences: int = 3000
    indexed_headings: int = 1000
    # Each indexed sentence and heading is asked this many ways (another run of its words,
    # other context words): a few hundred sentences make a model that a seed barely moves.
    draws: int = 4
    neighbour_headings: int = 3200
    neighbour_sentences: int = 6000
    general: int = 1600
    # Users add words the pages never use (a tool, an error, their own story): this share of
    # every kind of pseudo-question gets 1 to `most_extra` such words.
    extra_share: float = 0.5
    most_extra: int = 6


def add_context(text: str, pool: Sequence[str], sizes: Sizes, rng: random.Random) -> str:
    """The query with, for `extra_share` of queries, a few words the pages never use put in
    at random places."""
    if not pool or rng.random() >= sizes.extra_share:
        return text
    words = text.split()
    for _ in range(rng.randint(1, sizes.most_extra)):
        words.insert(rng.randint(0, len(words)), rng.choice(pool))
    return " ".join(words)


def foreign_words(texts: Iterable[str], lexicon: Lexicon, most: int = 5000) -> list[str]:
    """Plain words of the texts that the pages never use (stop words aside), most frequent
    first."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in re.findall(r"[A-Za-z]{3,}", text):
            if word.lower() not in lexicon.idf and word.lower() not in STOPWORDS:
                counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: -counts[w])[:most]


def as_typed(word: str, rng: random.Random) -> str:
    """A word as a user might type it: lower case; an identifier (`DetectDominantLanguage`,
    `comprehend:DetectEntities`) also as written, or as the plain words it joins."""
    parts = word_parts(word)
    if len(parts) < 2 or word.islower() or word.isupper():
        return word.lower()
    return rng.choice((word.lower(), word, " ".join(parts).lower()))


def keyword_query(text: str, rng: random.Random) -> str:
    """A terse query from a sentence: a run of 4 to 9 of its content words, lower case
    (identifiers as users type them, `as_typed`)."""
    words = [w for w in _TOKEN.findall(text) if w.lower() not in STOPWORDS]
    if len(words) > 4:
        n = rng.randint(4, min(9, len(words)))
        start = rng.randint(0, len(words) - n)
        words = words[start : start + n]
    return " ".join(as_typed(w, rng) for w in words)


def heading_query(heading: str, rng: random.Random) -> str:
    """A section heading asked the ways users ask: as is, lower case, "how do I ...?"."""
    last = heading.split(HEADING_JOIN)[-1]
    forms = (last, last.lower(), f"how do I {last.lower()}?", f"what about {last.lower()}?")
    return rng.choice(forms)


def indexed_pseudo(loaded: Loaded, rng: random.Random, sizes: Sizes = Sizes()) -> list[Pseudo]:
    """Positives: every indexed sentence as a keyword query, every heading as a question (a
    sample of them in a large index); each hidden from the pages (the rest of its section
    must answer it)."""
    units = loaded.build.units.units
    rows_of: dict[str, list[int]] = {}
    for row, unit in enumerate(units):
        rows_of.setdefault(unit.text, []).append(row)
    sentences = [u.text for u in units if u.kind == "sentence" and len(u.text.split()) >= 6]
    out = [
        Pseudo(keyword_query(text, rng), True, "indexed sentence", tuple(rows_of[text]))
        for text in _at_most(sentences, sizes.indexed_sentences, rng)
        for _ in range(sizes.draws)
    ]
    headings = list(dict.fromkeys(u.text for u in units if u.kind == "heading"))
    out += [
        Pseudo(heading_query(h, rng), True, "indexed heading", tuple(rows_of[h]))
        for h in _at_most(headings, sizes.indexed_headings, rng)
        for _ in range(sizes.draws)
    ]
    return out


def _at_most(items: list[str], most: int, rng: random.Random) -> list[str]:
    """All the items, or a sample of `most` of them in their order."""
    if len(items) <= most:
        return items
    return [items[i] for i in sorted(rng.sample(range(len(items)), most))]


def neighbour_sentences(folder: Path, skip: set[str], max_bytes: int) -> Iterator[tuple[str, str]]:
    """(page id, sentence) of the neighbouring pages, leaving out sentences the index holds."""
    for page_file in scan(folder, max_bytes).files:
        text, _ = decode(page_file.source.path.read_bytes())
        for section in parse(text, page_file.source.id, "").sections:
            for block in section.blocks:
                for kind, unit, _ in block_units(block):
                    if kind == "sentence" and 8 <= len(unit.split()) <= 40 and unit not in skip:
                        yield page_file.source.id, unit


def neighbour_pseudo(
    loaded: Loaded, folder: Path, sizes: Sizes, rng: random.Random, max_bytes: int
) -> list[Pseudo]:
    """Negatives from the neighbouring pages: headings and sentences, each with its own page
    hidden (as a real near miss would be asked in other words than that page's)."""
    neighbours = loaded.build.neighbours
    if neighbours is None:
        return []
    pairs = list(zip(neighbours.pages, neighbours.headings, strict=True))
    heads = rng.sample(pairs, min(sizes.neighbour_headings, len(pairs)))
    out = [Pseudo(heading_query(h, rng), False, "neighbour heading", (), p) for p, h in heads]
    indexed = {u.text for u in loaded.build.units.units}
    pages = set(neighbours.pages)
    sentences = [s for s in neighbour_sentences(folder, indexed, max_bytes) if s[0] in pages]
    chosen = rng.sample(sentences, min(sizes.neighbour_sentences, len(sentences)))
    out += [Pseudo(keyword_query(s, rng), False, "neighbour sentence", (), p) for p, s in chosen]
    return out


def general_pseudo(sizes: Sizes, rng: random.Random) -> list[Pseudo]:
    """Negatives from general text: sentences of the standard library's docstrings."""
    sentences: dict[str, None] = {}
    for name in GENERAL_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a build of Python without it (turtle needs tkinter)
            continue
        for _, obj in inspect.getmembers(module):
            doc = inspect.getdoc(obj) or ""
            first = doc.split("\n\n")[0].replace("\n", " ")
            for s in split_sentences(first):
                if 6 <= len(s.split()) <= 30:
                    sentences[s] = None
    chosen = rng.sample(sorted(sentences), min(sizes.general, len(sentences)))
    return [Pseudo(keyword_query(s, rng), False, "general text") for s in chosen]
