"""Typos read as the pages' words: a question word that is neither a word the pages use nor
an English word the embedding model knows is read as the pages' most common word one edit
away (two for a long word), as a spelling checker would ("encrpyt" -> "encrypt")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.lexicon import stem

_TOKEN = re.compile(r"[A-Za-z0-9_'’:.-]*[A-Za-z0-9]")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
NOTE = "Read as:"  # how the user is told (the answer's warnings)
MIN_LENGTH = 5  # shorter words have too many neighbours one edit away ("cant", "boto")
TWO_EDITS = 8  # from this length a word may be two edits from what was meant


@dataclass(frozen=True)
class Fix:
    """One word read as another."""

    typed: str
    read: str


def edits(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away, the first
    letter kept (people rarely mistype the letter they start with)."""
    splits = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


class Speller:
    """Reads typos as the pages' words (`idf`: the pages' tokens; `english`: words known to be
    spelt right though the pages never use them). Without English words it corrects nothing:
    it could not tell a typo from a word the pages lack."""

    def __init__(self, idf: Mapping[str, float], english: Iterable[str]) -> None:
        self.idf = {t: w for t, w in idf.items() if t.isalpha()}
        english = {w.lower() for w in english if w.isalpha()}
        self.enabled = bool(english)
        # A word is spelt right when it, or its stem, is a known word or the stem of a word
        # of the pages ("encrypting", "resilient"); the model's words are not stemmed: there
        # are many, and a stem of theirs is mostly one of them.
        self.known = set(self.idf) | english | {stem(w) for w in self.idf}

    def read(self, word: str) -> str | None:
        """The pages' word a typo stands for, or None for a word that is no typo."""
        lower = word.lower()
        if len(word) < MIN_LENGTH or not word.isalpha():
            return None
        if word not in (lower, lower.capitalize()):  # an identifier or acronym: as typed
            return None
        if lower in self.known or stem(lower) in self.known:
            return None
        if lower.endswith("nt") and lower[:-1] in self.idf:  # "doesnt": an apostrophe left out
            return None
        near = [w for w in edits(lower) if w in self.idf]
        if not near and len(lower) >= TWO_EDITS:
            near = [w for once in edits(lower) for w in edits(once) if w in self.idf]
        if not near:
            return None
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
