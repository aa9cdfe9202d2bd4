"""The lexical (BM25) index over the same chunks, with identifier-aware tokens."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

IDS = "ids.json"  # the chunk id of each BM25 row, beside bm25s's own files
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/*-]*[A-Za-z0-9*]|[A-Za-z0-9]")
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have how i if in into is it its me my "
    "of on or so that the their then there these this to was what when where which who why "
    "will with you your we our should would could about than they them any all not no".split()
)


def word_parts(word: str) -> list[str]:
    """The words an identifier joins, as written (`DetectEntities` -> `Detect`, `Entities`)."""
    return _PARTS.findall(word)


def tokenize(text: str) -> list[str]:
    """Lower-case tokens: whole identifiers (`comprehend:detectentities`, `aws:sourcearn`)
    plus their parts (`detect`, `entities`), without stop words."""
    tokens: list[str] = []
    for word in _WORD.findall(text):
        whole = word.lower().strip(".:/-*")
        parts = [p.lower() for p in word_parts(word)]
        if whole and whole not in STOPWORDS:
            tokens.append(whole)
        if len(parts) > 1:
            tokens.extend(p for p in parts if p not in STOPWORDS and p != whole)
    return tokens


def idf_table(texts: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of every token of the texts (BM25's formula)."""
    df: dict[str, int] = {}
    n = 0
    for text in texts:
        n += 1
        for token in set(tokenize(text)):
            df[token] = df.get(token, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


class LexicalIndex:
    """BM25 over chunk ids; saved beside an embedded build, or rebuilt from a collection."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        import bm25s

        self.ids = list(ids)
        self.bm25 = bm25s.BM25()
        # Token ids, not token strings: a large corpus holds millions of tokens, and a list of
        # strings for each of them would make the index build grow with the corpus.
        vocab: dict[str, int] = {}
        corpus = [
            [vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["<empty>"]]
            for text in texts
        ]
        if corpus:
            self.bm25.index((corpus, vocab), show_progress=False)

    def scores(self, query: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        """BM25 score of every chunk for the query."""
        tokens = tokenize(query)
        if not tokens or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best chunk ids with their scores (only those that match at all)."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Write the index to a folder."""
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder), show_progress=False)
        (folder / IDS).write_text(json.dumps(self.ids), encoding="utf-8")

    @staticmethod
    def saved_in(folder: Path) -> bool:
        """True when `save` wrote an index in this folder."""
        return (folder / IDS).is_file()

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        import bm25s

        index = cls.__new__(cls)
        index.ids = json.loads((folder / IDS).read_text(encoding="utf-8"))
        index.bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return index
