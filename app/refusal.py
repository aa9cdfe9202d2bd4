"""Whether the pages hold an answer: signals from retrieval and from the chosen sentences."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest.lexical import tokenize

# Words that say nothing about whether these pages cover a topic.
GENERIC = frozenset(
    {
        "amazon", "aws", "comprehend", "use", "using", "used", "does", "need", "get", "can",
        "much", "many", "way", "work", "works", "like", "want", "make", "set", "help",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """Refuse below these; tuned on the evaluation's tuning split."""

    min_dense: float
    min_support: float
    max_unknown: float


def known(token: str, vocabulary: Mapping[str, float]) -> bool:
    """True when the token, or a close spelling of it (a typo), occurs in the pages."""
    if token in vocabulary or len(token) < 5:
        return token in vocabulary or len(token) < 5
    return bool(difflib.get_close_matches(token, vocabulary.keys(), n=1, cutoff=0.85))


def unknown_share(question: str, idf: Mapping[str, float]) -> float:
    """Share of the question's distinctive words that occur nowhere in the pages."""
    tokens = [t for t in dict.fromkeys(tokenize(question)) if t not in GENERIC and ":" not in t]
    if not tokens:
        return 0.0
    top = max(idf.values(), default=1.0)
    weights = {t: idf.get(t, top) for t in tokens}
    missing = sum(w for t, w in weights.items() if not known(t, idf))
    return missing / sum(weights.values())


def should_refuse(signals: Mapping[str, float], limits: Thresholds) -> bool:
    """The refusal decision over the signals of one question."""
    return (
        signals["top_dense"] < limits.min_dense
        or signals["support"] < limits.min_support
        or signals["unknown"] > limits.max_unknown
    )


def signal_names() -> Sequence[str]:
    """The signals the decision reads."""
    return ("top_dense", "support", "unknown")
