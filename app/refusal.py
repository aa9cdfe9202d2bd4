"""Whether the pages hold an answer: signals from retrieval and from the chosen sentences."""

from __future__ import annotations

import difflib
import re
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


# A question asking for an amount ("how many days", "how much does it cost") is answered
# only by a passage that states one.
_QUANTITY = re.compile(
    r"\bhow (many|much(?! of)|long|big|large)\b|\bwhat(?:'s| is| are) the (maximum|minimum|"
    r"max|min|limit|price|cost|size)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|thousand|"
    r"single|once|twice|double)\b",
    re.IGNORECASE,
)
# A name: a capitalised word, four letters or more, or CamelCase, not opening a sentence.
_NAME = re.compile(r"\b([A-Z][a-z]{3,}|[A-Z][a-z]+(?:[A-Z][a-z]+)+)\b")


@dataclass(frozen=True)
class Thresholds:
    """Refuse below these; tuned on the evaluation's tuning split."""

    min_dense: float
    min_support: float
    max_unknown: float


class Vocabulary:
    """The words of the pages, with their IDF, and a fast test for a close misspelling."""

    def __init__(self, idf: Mapping[str, float]) -> None:
        self.idf = idf
        # Typos keep the first letter and nearly the length; comparing only those words
        # keeps the check fast on a large index (difflib over every word took ~50 ms).
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for word in idf:
            self._buckets.setdefault((word[:1], len(word)), []).append(word)

    def known(self, token: str) -> bool:
        """True when the token, or a close spelling of it (a typo), occurs in the pages."""
        if token in self.idf or len(token) < 5:
            return True
        lengths = range(int(len(token) * 0.73), int(len(token) * 1.36) + 1)
        candidates = [w for n in lengths for w in self._buckets.get((token[:1], n), ())]
        return bool(difflib.get_close_matches(token, candidates, n=1, cutoff=0.85))


def unknown_share(question: str, vocabulary: Vocabulary) -> float:
    """Share of the question's distinctive words that occur nowhere in the pages."""
    tokens = [t for t in dict.fromkeys(tokenize(question)) if t not in GENERIC and ":" not in t]
    if not tokens:
        return 0.0
    top = max(vocabulary.idf.values(), default=1.0)
    weights = {t: vocabulary.idf.get(t, top) for t in tokens}
    missing = sum(w for t, w in weights.items() if not vocabulary.known(t))
    return missing / sum(weights.values())


def unknown_names(question: str, vocabulary: Vocabulary) -> list[str]:
    """Names in the question ("Comprehend Medical", "GuardDuty") that the pages never use:
    pages that never name a product or feature cannot answer a question about it."""
    names = [
        m.group(1)
        for m in _NAME.finditer(question)
        if question[: m.start()].rstrip()[-1:] not in ("", ".", "?", "!", ":", '"')
    ]
    return [
        name
        for name in dict.fromkeys(names)
        if name.lower() not in GENERIC and not vocabulary.known(name.lower())
    ]


def missing_quantity(question: str, answer: str) -> bool:
    """True when the question asks for an amount and the answer states no number at all."""
    return bool(_QUANTITY.search(question)) and not _NUMBER.search(answer)


def should_refuse(signals: Mapping[str, float], limits: Thresholds) -> bool:
    """The refusal decision over the signals of one question."""
    return (
        signals["top_dense"] < limits.min_dense
        or signals["support"] < limits.min_support
        or signals["unknown"] > limits.max_unknown
        or signals.get("unknown_names", 0) > 0
        or signals.get("missing_quantity", 0) > 0
    )


def signal_names() -> Sequence[str]:
    """The signals the decision reads."""
    return ("top_dense", "support", "unknown", "unknown_names", "missing_quantity")
