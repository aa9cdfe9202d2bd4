"""Whether the pages hold an answer: signals from retrieval and from the chosen sentences."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
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
    """The words of the pages, with their IDF, a fast test for a close misspelling and,
    when given `near` (the similarity of each word to its nearest page word by meaning),
    a test for a word the pages say in other words."""

    def __init__(
        self,
        idf: Mapping[str, float],
        near: Callable[[list[str]], list[float]] | None = None,
        min_similarity: float = 1.0,
    ) -> None:
        self.idf = idf
        self.near = near
        self.min_similarity = min_similarity
        self.top_idf = max(idf.values(), default=1.0)
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

    def nearness(self, tokens: Sequence[str]) -> list[float]:
        """For each token, the similarity in meaning of the nearest page word (0 without
        `near`): "tweak" is near "modify"; "rotate" or "yearly" near no page word."""
        return self.near(list(tokens)) if self.near and tokens else [0.0] * len(tokens)


@dataclass(frozen=True)
class UnknownWords:
    """The question's distinctive words with their IDF weight, and for those the pages do not
    use (nor misspell) the similarity of the nearest page word by meaning."""

    weights: dict[str, float]
    nearness: dict[str, float]

    def missing(self, similarity: float) -> list[str]:
        """The words no page word is `similarity` close to."""
        return [t for t, n in self.nearness.items() if n < similarity]

    def share(self, similarity: float) -> float:
        """IDF-weighted share of the question's words that are missing at that similarity."""
        total = sum(self.weights.values())
        return sum(self.weights[t] for t in self.missing(similarity)) / total if total else 0.0


def unknown_words(question: str, vocabulary: Vocabulary) -> UnknownWords:
    """The question's distinctive words, and how near the pages come to those they lack."""
    tokens = [t for t in dict.fromkeys(tokenize(question)) if t not in GENERIC and ":" not in t]
    weights = {t: vocabulary.idf.get(t, vocabulary.top_idf) for t in tokens}
    unknown = [t for t in tokens if not vocabulary.known(t)]
    return UnknownWords(weights, dict(zip(unknown, vocabulary.nearness(unknown), strict=True)))


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


def refusal_reasons(
    signals: Mapping[str, float],
    limits: Thresholds,
    names: Sequence[str] = (),
    missing: Sequence[str] = (),
) -> list[str]:
    """Why the pages do not hold the answer, in words a user reads (empty: they do); `names`
    and `missing` are the unknown names and missing words, to quote."""

    def quoted(words: Sequence[str]) -> str:
        marked = [f'"{w}"' for w in words]
        return " or ".join([", ".join(marked[:-1]), marked[-1]] if len(marked) > 1 else marked)

    reasons = []
    if signals["top_dense"] < limits.min_dense:
        reasons.append("no passage of the pages is close in meaning to the question")
    if signals.get("unknown_names", 0) > 0:
        reasons.append(f"the pages never name {quoted(names) or 'what the question names'}")
    if signals["unknown"] > limits.max_unknown:
        words = quoted(missing) or "the question's main words"
        reasons.append(f"the pages never use {words}, nor any word close in meaning")
    if signals.get("missing_quantity", 0) > 0:
        reasons.append("the question asks for an amount, and the closest passages state none")
    if signals["support"] < limits.min_support:
        reasons.append("the closest passages cover little of the question")
    return reasons


def should_refuse(signals: Mapping[str, float], limits: Thresholds) -> bool:
    """The refusal decision over the signals of one question."""
    return bool(refusal_reasons(signals, limits))


def signal_names() -> Sequence[str]:
    """The signals the decision reads."""
    return ("top_dense", "support", "unknown", "unknown_names", "missing_quantity")
