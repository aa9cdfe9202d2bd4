"""Typos read as the pages' words: a question word that is neither a word the pages use nor
an English word the embedding model knows is read as the closest of the pages' words, one
edit away (a deletion, insertion, replacement or swap of neighbours; two for a long word),
the most common of them on a tie, as a spelling checker would ("encrpyt" -> "encrypt")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.lexicon import stem

_TOKEN = re.compile(r"[A-Za-z0-9_'’:.-]*[A-Za-z0-9]")
NOTE = "Read as:"  # how the user is told (the answer's warnings)
MIN_LENGTH = 5  # shorter words have too many neighbours one edit away ("cant", "boto")
TWO_EDITS = 8  # from this length a word may be two edits from what was meant


@dataclass(frozen=True)
class Fix:
    """One word read as another."""

    typed: str
    read: str


class Speller:
    """Reads typos as the pages' words (`idf`: the pages' tokens; `english`: words known to be
    spelt right though the pages never use them). Without English words it corrects nothing:
    it could not tell a typo from a word the pages lack."""

    def __init__(self, idf: Mapping[str, float], english: Iterable[str]) -> None:
        self.idf = {t: w for t, w in idf.items() if t.isalpha()}
        self.ordered = sorted(self.idf)  # to find the pages' words that start with a stem
        self.by_letter: dict[str, list[str]] = {}  # the first letter is rarely mistyped
        for word in self.ordered:
            self.by_letter.setdefault(word[0], []).append(word)
        english = {w.lower() for w in english if w.isalpha()}
        self.enabled = bool(english)
        self.known = set(self.idf) | english

    def spelt_right(self, word: str) -> bool:
        """A known word, or a form of one: its stem is known or begins one of the pages'
        words ("encrypting", "resilient" beside "resilience"), or an apostrophe is left out
        ("doesnt"). A stem shorter than `MIN_LENGTH` begins too many words to tell anything
        ("insted" -> "inst", as in "instance"). Nothing is stemmed ahead: an index of whole
        guides holds tens of thousands of words."""
        root = stem(word)
        if word in self.known or root in self.known:
            return True
        if word.endswith("nt") and word[:-1] in self.idf:
            return True
        if len(root) < MIN_LENGTH:
            return False
        at = bisect.bisect_left(self.ordered, root)
        return at < len(self.ordered) and self.ordered[at].startswith(root)

    def read(self, word: str) -> str | None:
        """The pages' word a typo stands for, or None for a word that is no typo."""
        lower = word.lower()
        if len(word) < MIN_LENGTH or not word.isalpha():
            return None
        if word not in (lower, lower.capitalize()):  # an identifier or acronym: as typed
            return None
        if self.spelt_right(lower):
            return None
        most = 2 if len(lower) >= TWO_EDITS else 1
        found = process.extract(
            lower, self.by_letter.get(lower[0], []), scorer=OSA.distance,
            score_cutoff=most, limit=None,
        )  # fmt: skip
        if not found:
            return None
        closest = min(edits for _, edits, _ in found)
        near = [w for w, edits, _ in found if edits == closest]
        best = min(near, key=lambda w: (self.idf[w], w))  # the most common on the pages
        return best.capitalize() if word[0].isupper() else best

    def correct(self, text: str) -> tuple[str, tuple[Fix, ...]]:
        """The text with its typos read as the pages' words, and what was read how."""
        if not self.enabled:
            return text, ()
        fixes: list[Fix] = []

        def replace(match: re.Match[str]) -> str:
            read = self.read(match.group(0))
            if read is None:
                return match.group(0)
            fixes.append(Fix(match.group(0), read))
            return read

        return _TOKEN.sub(replace, text), tuple(fixes)


def note(fixes: Iterable[Fix]) -> str:
    """What the user is told: "Read as: "encrypt" for "encrpyt"."."""
    pairs = ", ".join(f'"{f.read}" for "{f.typed}"' for f in fixes)
    return f"{NOTE} {pairs}." if pairs else ""
