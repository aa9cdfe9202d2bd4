"""Thresholds files read and checked, and checked against a summary on its gate set."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.baselines import Bm25Baseline, LangChainTutorial
from eval.score import FOLLOW_UPS, REFUSALS
from eval.thresholds import (
    DEFAULT_THRESHOLDS,
    ThresholdsError,
    check_thresholds,
    gate_set,
    load_thresholds,
)


def test_thresholds_fail_below_min_or_when_undefined() -> None:
    summary = {"docqa": {"all": {"hit@1": 0.8, "mrr@10": 0.9, "refusal_precision": None}}}
    ok = {"docqa": {"hit@1": {"min": 0.8}, "mrr@10": {"min": 0.85}}}
    assert check_thresholds(summary, ok) == []
    failures = check_thresholds(
        summary,
        {
            "docqa": {"hit@1": {"min": 0.81}, "refusal_precision": {"min": 0.5}},
            "other": {"hit@1": {"min": 0.1}},
        },
    )
    assert failures == [
        "docqa hit@1 0.800 < min 0.81",
        "docqa refusal_precision is undefined on these questions",
        "other was not evaluated",
    ]


def sets(**values: dict[str, float | None]) -> dict[str, dict[str, float | None]]:
    return dict(values)


def test_above_needs_strictly_more_than_the_named_system_on_the_same_set() -> None:
    above = {"docqa": {"hit@1": {"above": ["bm25"]}}}
    tied = {"docqa": sets(test={"hit@1": 0.7}), "bm25": sets(test={"hit@1": 0.7})}
    assert check_thresholds(tied, above) == ["docqa hit@1 0.700 not above bm25 (0.700)"]
    # bm25's figure over all questions is higher, but the gate is the test set.
    beaten = {
        "docqa": sets(test={"hit@1": 0.8}, all={"hit@1": 0.8}),
        "bm25": sets(test={"hit@1": 0.7}, all={"hit@1": 0.9}),
    }
    assert check_thresholds(beaten, above) == []


def test_above_a_system_that_was_not_run_is_no_failure() -> None:
    above = {"docqa": {"mrr@10": {"min": 0.5, "above": ["bm25", "langchain-chroma"]}}}
    assert check_thresholds({"docqa": sets(all={"mrr@10": 0.6})}, above) == []
    undefined = {"docqa": sets(all={"mrr@10": 0.6}), "bm25": sets(all={"mrr@10": None})}
    assert check_thresholds(undefined, above) == []
    assert check_thresholds({"docqa": sets(all={"mrr@10": 0.4})}, above) == [
        "docqa mrr@10 0.400 < min 0.5"
    ]


def test_thresholds_gate_on_the_test_set_when_it_was_run() -> None:
    bound = {"docqa": {"hit@1": {"min": 0.8}, "false_refusal_rate": {"max": 0.1}}}
    both = {
        "docqa": sets(
            all={"hit@1": 0.6, "false_refusal_rate": 0.3},
            tune={"hit@1": 0.4, "false_refusal_rate": 0.5},
            test={"hit@1": 0.9, "false_refusal_rate": 0.0},
        )
    }
    assert gate_set(both) == "test"
    assert check_thresholds(both, bound) == []
    tune_only = {"docqa": {k: v for k, v in both["docqa"].items() if k != "test"}}
    assert gate_set(tune_only) == "all"
    assert check_thresholds(tune_only, bound) == [
        "docqa hit@1 0.600 < min 0.8",
        "docqa false_refusal_rate 0.300 > max 0.1",
    ]


def write_thresholds(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_thresholds_file_accepts_every_new_metric(tmp_path: Path) -> None:
    limits: dict[str, dict[str, object]] = {
        m: {"min": 0.5} for m in (*FOLLOW_UPS, *REFUSALS, "grounded_fact_coverage")
    }
    limits["hit@1"] = {"min": 0.5, "above": ["bm25"]}
    data = {"_about": "made up", "docqa": limits, "bm25": {"hit@1": {"max": 1.0}}}
    assert load_thresholds(write_thresholds(tmp_path, data)) == {
        "docqa": limits,
        "bm25": {"hit@1": {"max": 1.0}},
    }


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"follow_up_mrr@10": {"min": 0.5}}, "'follow_up_mrr@10' cannot be a threshold"),
        ({"latency_p95_ms": {"max": 100}}, "cannot be a threshold"),
        ({"hit@1": {}}, "docqa.hit@1 needs min, max or above"),
        ({"hit@1": 0.5}, "needs min, max or above"),
        ({"hit@1": {"at_least": 0.5}}, "needs min, max or above"),
    ],
)
def test_thresholds_file_rejects_bad_bounds(
    tmp_path: Path, limits: dict[str, object], message: str
) -> None:
    with pytest.raises(ThresholdsError, match=re.escape(message)):
        load_thresholds(write_thresholds(tmp_path, {"docqa": limits}))


def test_above_must_name_a_list_of_systems(tmp_path: Path) -> None:
    with pytest.raises(ThresholdsError, match="above"):
        load_thresholds(write_thresholds(tmp_path, {"docqa": {"hit@1": {"above": "bm25"}}}))


def test_thresholds_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ThresholdsError, match="does not exist"):
        load_thresholds(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(ThresholdsError, match="not valid JSON"):
        load_thresholds(bad)
    with pytest.raises(ThresholdsError, match="must hold a JSON object"):
        load_thresholds(write_thresholds(tmp_path, [1]))


def test_committed_thresholds_are_floors_and_ceilings_docqa_can_be_held_to() -> None:
    thresholds = load_thresholds(DEFAULT_THRESHOLDS)
    assert set(thresholds) == {"docqa"}
    baselines = {Bm25Baseline.name, LangChainTutorial.name}
    # Less is better for these: they can only have a ceiling.
    ceilings = ("false_refusal_rate", "partial_rate", "answer_chars_p50", "answer_chars_p90")
    for metric, bound in thresholds["docqa"].items():
        ceiling = metric.endswith(ceilings)
        assert set(bound) - {"above"} == ({"max"} if ceiling else {"min"}), metric
        limit = 10_000 if metric.startswith("answer_chars") else 1
        assert all(0 < v <= limit for k, v in bound.items() if k != "above"), metric
        assert set(bound.get("above", ())) <= baselines, metric
    # Retrieval must beat both baselines in the same run, not only a fixed floor.
    for metric in ("hit@1", "mrr@10"):
        assert set(thresholds["docqa"][metric]["above"]) == baselines
