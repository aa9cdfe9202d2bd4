"""Embedding only what is missing: texts whose vector a cache or an earlier build lacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence
from typing import Any

import numpy as np

from docqa.progress import Progress

Vector = np.ndarray[Any, np.dtype[np.float32]]
Encode = Callable[[Sequence[str]], Vector]


def fill(
    texts: Iterable[str],
    known: MutableMapping[str, Vector],
    encode: Encode,
    stage: str,
    progress: Progress | None = None,
    batch: int = 256,
) -> int:
    """Embed the texts `known` has no vector for, in batches, into `known`; how many.
    `encode` (which may load the model) is not called when nothing is missing."""
    todo = sorted({t for t in texts if t not in known})
    for start in range(0, len(todo), batch):
        if progress:
            progress(stage, start, len(todo))
        part = todo[start : start + batch]
        known.update(zip(part, encode(part), strict=True))
    if progress:
        progress(stage, len(todo), len(todo))
    return len(todo)


def stack(rows: Sequence[Vector]) -> Vector:
    """Rows as one float32 matrix (an empty one has no columns)."""
    dim = len(rows[0]) if rows else 0
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
