"""Embeddings of the pages' words, kept beside a build: a question word the pages never use
can still be matched by meaning ("tweak" is near "modify"; "rotate" is near no page word).

A word's vector depends only on the model, so every word embedded on a machine is also kept in
a per-model cache: a build embeds only the words new to that machine."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FILE = "words.npz"
BATCH = 1024
Progress = Callable[[str, int, int], None]
Encode = Callable[[Sequence[str]], np.ndarray[Any, np.dtype[np.float32]]]


def is_word(token: str) -> bool:
    """A plain word of three letters or more (identifiers, numbers and hashes are not)."""
    return len(token) >= 3 and token.isascii() and token.isalpha()


@dataclass(frozen=True)
class WordVectors:
    """The pages' words and their unit-length embeddings, row for row."""

    words: tuple[str, ...]
    vectors: np.ndarray[Any, np.dtype[np.float32]]

    def closest(self, vectors: np.ndarray[Any, np.dtype[np.float32]]) -> list[float]:
        """For each given unit vector, its cosine similarity to the nearest page word."""
        if not self.words or not len(vectors):
            return [0.0] * len(vectors)
        return [float(x) for x in (vectors @ self.vectors.T).max(axis=1)]

    def save(self, folder: Path) -> None:
        """Write into a folder (a build's lexical folder, or the model's cache), atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"{FILE}.part"
        with part.open("wb") as out:
            np.savez(out, words=np.array(self.words, dtype=str), vectors=self.vectors)
        os.replace(part, folder / FILE)

    @classmethod
    def load(cls, folder: Path) -> WordVectors | None:
        """The saved vectors, or None when the folder has none."""
        path = folder / FILE
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            words = tuple(str(w) for w in data["words"])
            return cls(words, np.asarray(data["vectors"], dtype=np.float32))

    def merged(self, other: WordVectors) -> WordVectors:
        """These words and the other's, sorted (the other's vector wins for a word in both)."""
        table = dict(zip(self.words, self.vectors, strict=True))
        table.update(zip(other.words, other.vectors, strict=True))
        words = tuple(sorted(table))
        rows = [table[w] for w in words]
        return WordVectors(words, np.vstack(rows) if rows else np.zeros((0, 0), np.float32))


def embed_words(
    words: Iterable[str],
    encode: Encode,
    previous: WordVectors | None = None,
    progress: Progress | None = None,
) -> WordVectors:
    """Vectors of the plain words among `words`; those of an earlier build are reused (and
    `encode`, which may load the model, is not called when every word has one already)."""
    wanted = sorted({w for w in words if is_word(w)})
    known = dict(zip(previous.words, previous.vectors, strict=True)) if previous else {}
    todo = [w for w in wanted if w not in known]
    for start in range(0, len(todo), BATCH):
        if progress:
            progress("word vectors", start, len(todo))
        batch: Sequence[str] = todo[start : start + BATCH]
        known.update(zip(batch, encode(batch), strict=True))
    if progress:
        progress("word vectors", len(todo), len(todo))
    rows = [known[w] for w in wanted]
    vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)
    return WordVectors(tuple(wanted), vectors)


def page_word_vectors(
    words: Iterable[str], encode: Encode, cache: Path, progress: Progress | None = None
) -> tuple[WordVectors, int]:
    """Vectors of the plain words among `words`, through the model's cache folder: only words
    it lacks are embedded, and they are added to it. Also says how many were embedded."""
    cached = WordVectors.load(cache)
    found = embed_words(words, encode, cached, progress)
    new = len(set(found.words) - set(cached.words if cached else ()))
    if new:
        with contextlib.suppress(OSError):  # a cache: an unwritable one only costs time
            (cached.merged(found) if cached else found).save(cache)
    return found, new
