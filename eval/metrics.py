"""Pure scoring functions for retrieval, answers, refusals and latency."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

_ESCAPE = re.compile(r"\\(.)")
_WHITESPACE = re.compile(r"\s+")


def dedupe(ranked: Sequence[str]) -> list[str]:
    """Return the distinct page ids of a ranking, keeping first occurrences in order."""
    return list(dict.fromkeys(ranked))


def hit_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Return 1.0 if any relevant page is among the first k distinct pages, else 0.0."""
    return 1.0 if any(page in relevant for page in dedupe(ranked)[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """Return 1/rank of the first relevant distinct page within k, else 0.0."""
    for rank, page in enumerate(dedupe(ranked)[:k], start=1):
        if page in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """Return binary-relevance nDCG@k over distinct pages (0.0 when nothing is relevant)."""
    ideal_hits = min(len(set(relevant)), k)
    if ideal_hits <= 0:
        return 0.0
    dcg = sum(
        1.0 / math.log2(i + 2) for i, page in enumerate(dedupe(ranked)[:k]) if page in relevant
    )
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_hits))
    return dcg / idcg


def normalise(text: str) -> str:
    """Strip Markdown escapes, backticks and asterisks; lowercase; collapse whitespace."""
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("`", "").replace("*", "")
    return _WHITESPACE.sub(" ", text.lower()).strip()


def facts_found(answer: str, facts: Sequence[str]) -> list[str]:
    """Return the facts whose normalised form occurs in the normalised answer."""
    haystack = normalise(answer)
    return [fact for fact in facts if normalise(fact) in haystack]


def lead(text: str, chars: int = 300) -> str:
    """What a user reads first: the first `chars` characters of an answer's words."""
    return text[:chars]


def fact_coverage(answer: str, facts: Sequence[str]) -> float:
    """Return the share of facts found in the answer (1.0 when there are no facts)."""
    if not facts:
        return 1.0
    return len(facts_found(answer, facts)) / len(facts)


def grounded_facts(
    claims: Iterable[tuple[str, Collection[str]]], facts: Sequence[str], expected: Collection[str]
) -> list[str]:
    """The facts that stand in a claim (a piece of the answer with the pages its source
    markers point to) attributed to an expected page."""
    wanted = set(expected)
    grounded = [normalise(text) for text, pages in claims if wanted & set(pages)]
    return [fact for fact in facts if any(normalise(fact) in claim for claim in grounded)]


def citation_precision(cited: Sequence[str], expected: Collection[str]) -> float | None:
    """Return the share of distinct cited pages that are expected (None if nothing cited)."""
    distinct = set(cited)
    if not distinct:
        return None
    return len(distinct & set(expected)) / len(distinct)


def citation_recall(cited: Sequence[str], expected: Collection[str]) -> float | None:
    """Return the share of expected pages that were cited (None if nothing expected)."""
    wanted = set(expected)
    if not wanted:
        return None
    return len(wanted & set(cited)) / len(wanted)


@dataclass(frozen=True)
class RefusalScores:
    """Refusal precision, recall and false-refusal rate (None when undefined)."""

    precision: float | None
    recall: float | None
    false_refusal_rate: float | None


def _share(numerator: int, denominator: int) -> float | None:
    """Return numerator/denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def refusal_scores(outcomes: Sequence[tuple[bool, bool]]) -> RefusalScores:
    """Score refusals from (answerable, refused) pairs."""
    refusals = sum(1 for _, refused in outcomes if refused)
    unanswerable = sum(1 for answerable, _ in outcomes if not answerable)
    answerable = len(outcomes) - unanswerable
    correct = sum(1 for ans, refused in outcomes if refused and not ans)
    false = sum(1 for ans, refused in outcomes if refused and ans)
    return RefusalScores(
        precision=_share(correct, refusals),
        recall=_share(correct, unanswerable),
        false_refusal_rate=_share(false, answerable),
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile with linear interpolation (numpy's default method); a
    ValueError for no values or q outside [0, 100]."""
    if not values:
        raise ValueError("percentile of empty sequence")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    return float(np.percentile(np.asarray(values, dtype=float), q))


def latency_summary(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Summarise per-stage timings as p50, p95, mean and count for every stage seen."""
    by_stage: dict[str, list[float]] = {}
    for timing in timings:
        for stage, value in timing.items():
            by_stage.setdefault(stage, []).append(value)
    return {
        stage: {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "mean": sum(values) / len(values),
            "n": len(values),
        }
        for stage, values in by_stage.items()
    }


def mean_or_none(values: Iterable[float | None]) -> float | None:
    """Return the mean of the non-None values, or None if there are none."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None
