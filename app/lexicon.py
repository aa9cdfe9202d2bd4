"""The pages' words: inverse document frequency, English stems, and how much of a question a
text holds (words matched by stem, weighted by rarity)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ingest.lexical import idf_table, tokenize

# A snowball stemmer keeps its word in itself while it works: one per thread, or two
# questions stemmed at once corrupt each other (IndexError under the API's load).
_STEMMERS = threading.local()


def _stemmer() -> snowballstemmer.BaseStemmer:
    if not hasattr(_STEMMERS, "english"):
        _STEMMERS.english = snowballstemmer.stemmer("english")
    return _STEMMERS.english  # type: ignore[no-any-return]


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The English stem of a token ("fields" -> "field"); identifiers stay whole."""
    return token if ":" in token else _stemmer().stemWord(token)


@lru_cache(maxsize=4096)  # the units of a few hundred answers; bounded, so memory levels off
def stems(text: str) -> frozenset[str]:
    """The stems of a text's tokens."""
    return frozenset(stem(t) for t in tokenize(text))


def words_of(text: str) -> list[str]:
    """A question's distinct tokens, in order."""
    return list(dict.fromkeys(tokenize(text)))


@dataclass(frozen=True)
class Weighed:
    """A question's words as (stem, IDF weight) pairs, and their total weight."""

    pairs: tuple[tuple[str, float], ...]
    total: float

    def coverage(self, text: str, heading: str = "", heading_share: float = 0.0) -> float:
        """IDF-weighted share of the words found in the text (by stem); a word found only in
        the heading counts `heading_share` of its weight."""
        if not self.total:
            return 0.0
        body, head = stems(text), stems(heading) if heading else frozenset()
        found = 0.0
        for token, weight in self.pairs:
            if token in body:
                found += weight
            elif token in head:
                found += heading_share * weight
        return found / self.total


class Lexicon:
    """IDF of every token of the indexed passages."""

    def __init__(self, idf: dict[str, float]) -> None:
        self.idf = idf
        self.top = max(idf.values(), default=1.0)
        self._words: list[str] | None = None  # made on first use, as is the joined text
        self._joined = ""

    def mentions(self, word: str) -> bool:
        """Whether the pages use a word (lower case): as it is or in the singular, inside a
        longer name ("passrole" in "iam:passrole"), or spelt within two edits of it when it
        is long (a typed name: "comprehendfullacess")."""
        if self._words is None:
            self._words = [w for w in self.idf if len(w) >= 4]
            self._joined = "\n".join(self.idf)
        singular = word[:-1] if word.endswith("s") and len(word) > 3 else word
        if word in self.idf or singular in self.idf:
            return True
        if len(singular) > 2 and singular in self._joined:
            return True
        if len(word) < 6:
            return False
        found = process.extractOne(word, self._words, scorer=OSA.distance, score_cutoff=2)
        return found is not None

    @classmethod
    def of(cls, texts: Iterable[str]) -> Lexicon:
        """The lexicon of a set of passages."""
        return cls(idf_table(texts))

    def weight(self, token: str) -> float:
        """A token's IDF; a token the pages never use weighs as much as the rarest one."""
        return self.idf.get(token, self.top)

    def coverage(
        self, words: Sequence[str], text: str, heading: str = "", heading_share: float = 0.0
    ) -> float:
        """IDF-weighted share of the words found in the text (by stem); a word found only in
        the heading counts `heading_share` of its weight."""
        return self.weighed(words).coverage(text, heading, heading_share)

    def weighed(self, words: Sequence[str]) -> Weighed:
        """The words stemmed and weighed once, to measure many texts against."""
        pairs = tuple((stem(w), self.weight(w)) for w in words)
        return Weighed(pairs, sum(w for _, w in pairs))

    def share(self, part: Iterable[str], words: Sequence[str]) -> float:
        """The IDF weight of `part` as a share of the weight of `words`."""
        total = sum(self.weight(w) for w in words)
        return sum(self.weight(w) for w in part) / total if total else 0.0

    def covered(self, words: Sequence[str], text: str) -> set[str]:
        """The words found in the text, by stem."""
        body = stems(text)
        return {w for w in words if stem(w) in body}
