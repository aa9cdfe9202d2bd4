"""Unit tests for eval.metrics."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import pytest

from eval.metrics import (
    RefusalScores,
    citation_precision,
    citation_recall,
    dedupe,
    fact_coverage,
    facts_found,
    hit_at_k,
    latency_summary,
    mean_or_none,
    ndcg_at_k,
    normalise,
    percentile,
    reciprocal_rank,
    refusal_scores,
)


def test_dedupe_keeps_first_occurrence_order() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert dedupe([]) == []


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b", "c"], {"a"}, 1, 1.0),
        (["a", "b", "c"], {"c"}, 2, 0.0),
        (["a", "b", "c"], {"c"}, 3, 1.0),
        (["a", "a", "a", "b"], {"b"}, 2, 1.0),
        (["a", "b"], {"z"}, 10, 0.0),
        (["a", "b"], set(), 10, 0.0),
        ([], {"a"}, 5, 0.0),
    ],
)
def test_hit_at_k(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert hit_at_k(ranked, relevant, k) == expected


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b", "c"], {"a"}, 10, 1.0),
        (["a", "b", "c"], {"c", "b"}, 10, 0.5),
        (["a", "a", "b", "b", "c"], {"c"}, 10, 1 / 3),
        (["a", "b", "c"], {"c"}, 2, 0.0),
        (["a", "b"], {"z"}, 10, 0.0),
        (["a"], set(), 10, 0.0),
    ],
)
def test_reciprocal_rank(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert reciprocal_rank(ranked, relevant, k) == pytest.approx(expected)


def test_reciprocal_rank_default_k_is_ten() -> None:
    ranked = [f"p{i}" for i in range(12)]
    assert reciprocal_rank(ranked, {"p9"}) == pytest.approx(0.1)
    assert reciprocal_rank(ranked, {"p10"}) == 0.0


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        (["a", "b", "c"], {"a"}, 10, 1.0),
        (["x", "a"], {"a"}, 10, 1 / math.log2(3)),
        (["a", "x", "b"], {"a", "b"}, 10, (1 + 0.5) / (1 + 1 / math.log2(3))),
        (["a", "x"], {"a", "b"}, 10, 1 / (1 + 1 / math.log2(3))),
        (["x", "x", "a"], {"a"}, 10, 1 / math.log2(3)),
        (["x", "y", "a"], {"a"}, 2, 0.0),
        (["a", "x"], {"a", "b", "c"}, 1, 1.0),
        (["a", "b"], set(), 10, 0.0),
        ([], {"a"}, 10, 0.0),
    ],
)
def test_ndcg_at_k(ranked: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(expected)


def test_ndcg_perfect_ranking_is_one() -> None:
    assert ndcg_at_k(["a", "b", "c", "x"], {"a", "b", "c"}) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello  World", "hello world"),
        ("Use `pip install`\n\tnow", "use pip install now"),
        (r"set \_private\_var to \*", "set _private_var to"),
        ("**Bold** and *italic*", "bold and italic"),
        (r"a \\ b", "a \\ b"),
        ("  padded  ", "padded"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_facts_found_normalises_both_sides() -> None:
    answer = r"Run `docqa index` with **--chunk\_size 512**."
    facts = ["docqa  index", "--CHUNK_SIZE 512", "`--verbose`"]
    assert facts_found(answer, facts) == ["docqa  index", "--CHUNK_SIZE 512"]


def test_facts_found_preserves_order_and_duplicates() -> None:
    assert facts_found("alpha beta", ["beta", "gamma", "alpha", "beta"]) == [
        "beta",
        "alpha",
        "beta",
    ]


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("alpha beta", ["alpha", "beta"], 1.0),
        ("alpha", ["alpha", "beta"], 0.5),
        ("nothing", ["alpha", "beta", "gamma"], 0.0),
        ("anything", [], 1.0),
        ("", ["alpha"], 0.0),
    ],
)
def test_fact_coverage(answer: str, facts: list[str], expected: float) -> None:
    assert fact_coverage(answer, facts) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("cited", "expected", "result"),
    [
        (["a", "b"], {"a", "b"}, 1.0),
        (["a", "x"], {"a"}, 0.5),
        (["a", "a", "a", "x"], {"a"}, 0.5),
        (["x", "y"], {"a"}, 0.0),
        (["a"], set(), 0.0),
        ([], {"a"}, None),
    ],
)
def test_citation_precision(cited: list[str], expected: set[str], result: float | None) -> None:
    assert citation_precision(cited, expected) == result


@pytest.mark.parametrize(
    ("cited", "expected", "result"),
    [
        (["a", "b"], {"a", "b"}, 1.0),
        (["a", "a", "x"], {"a", "b"}, 0.5),
        (["x"], {"a", "b", "c", "d"}, 0.0),
        ([], {"a"}, 0.0),
        (["a"], set(), None),
        ([], set(), None),
    ],
)
def test_citation_recall(cited: list[str], expected: set[str], result: float | None) -> None:
    assert citation_recall(cited, expected) == result


def test_refusal_scores_mixed() -> None:
    outcomes = [
        (False, True),  # correct refusal
        (False, True),  # correct refusal
        (False, False),  # missed refusal
        (True, True),  # false refusal
        (True, False),
        (True, False),
        (True, False),
    ]
    scores = refusal_scores(outcomes)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.false_refusal_rate == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([], RefusalScores(None, None, None)),
        ([(True, False), (True, False)], RefusalScores(None, None, 0.0)),
        ([(True, True), (True, False)], RefusalScores(0.0, None, 0.5)),
        ([(False, False)], RefusalScores(None, 0.0, None)),
        ([(False, True), (False, True)], RefusalScores(1.0, 1.0, None)),
    ],
)
def test_refusal_scores_edge_cases(
    outcomes: list[tuple[bool, bool]], expected: RefusalScores
) -> None:
    assert refusal_scores(outcomes) == expected


def test_refusal_scores_is_frozen() -> None:
    scores = refusal_scores([(False, True)])
    with pytest.raises(FrozenInstanceError):
        scores.precision = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([1.0, 2.0, 3.0, 4.0], 25, 1.75),
        ([1.0, 2.0, 3.0, 4.0], 95, 3.85),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 95, 48.0),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 50, 30.0),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),
        ([7.0], 95, 7.0),
        ([0.0, 10.0], 33, 3.3),
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_does_not_mutate_input() -> None:
    values = [3.0, 1.0, 2.0]
    percentile(values, 50)
    assert values == [3.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("values", "q"), [([], 50), ([1.0], -0.1), ([1.0], 100.1), ([1.0], math.nan)]
)
def test_percentile_errors(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)


def test_latency_summary() -> None:
    timings = [
        {"retrieve": 1.0, "generate": 10.0},
        {"retrieve": 2.0, "generate": 20.0},
        {"retrieve": 3.0},
        {"retrieve": 4.0, "rerank": 0.5},
    ]
    summary = latency_summary(timings)
    assert set(summary) == {"retrieve", "generate", "rerank"}
    assert summary["retrieve"] == pytest.approx({"p50": 2.5, "p95": 3.85, "mean": 2.5, "n": 4})
    assert summary["generate"] == pytest.approx({"p50": 15.0, "p95": 19.5, "mean": 15.0, "n": 2})
    assert summary["rerank"] == pytest.approx({"p50": 0.5, "p95": 0.5, "mean": 0.5, "n": 1})


def test_latency_summary_empty() -> None:
    assert latency_summary([]) == {}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, None, 3.0], 2.0),
        ([None, None], None),
        ([], None),
        ([0.0], 0.0),
        (iter([0.5, None, 1.0]), 0.75),
    ],
)
def test_mean_or_none(values: list[float | None], expected: float | None) -> None:
    assert mean_or_none(values) == (pytest.approx(expected) if expected is not None else None)
