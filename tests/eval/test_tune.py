"""Tuning picks thresholds on the tuning split only and keeps false refusals low."""

from __future__ import annotations

from app.refusal import Thresholds
from eval.tune import MAX_FALSE_REFUSALS, Observation, best_setting, fit, tune_refusal


def obs(
    i: int,
    answerable: bool,
    dense: float,
    split: str = "tune",
    unknown_at: dict[float, float] | None = None,
) -> Observation:
    signals = {"top_dense": dense, "support": 0.5, "unknown": 0.0}
    return Observation(f"q{i}", split, answerable, signals, 1.0, unknown_at or {})


ROWS = [obs(i, True, 0.5 + i / 100) for i in range(20)] + [
    obs(20 + i, False, 0.05 + i / 10) for i in range(5)
]


def test_fit_counts_refusals() -> None:
    result = fit(ROWS, Thresholds(min_dense=0.35, min_support=0.0, max_unknown=1.0))
    assert result.recall == 3 / 5 and result.false_refusals == 0.0
    everything = fit(ROWS, Thresholds(min_dense=0.99, min_support=0.0, max_unknown=1.0))
    assert everything.recall == 1.0 and everything.false_refusals == 1.0


def test_best_thresholds_never_exceed_the_false_refusal_cap() -> None:
    best = best_setting(ROWS)
    result = fit(ROWS, best.thresholds)
    assert result.false_refusals <= MAX_FALSE_REFUSALS
    assert result.recall == 1.0  # below 0.5 separates the two groups cleanly
    assert best.similarity is None  # rows without per-similarity figures: nothing to choose


def test_synonym_similarity_is_chosen_where_it_separates() -> None:
    # A near miss with a dense score like the answerable ones: only the "unknown" signal at
    # similarity 0.5 tells it apart (at 0.7 an answerable question's paraphrase counts too).
    answerable = [obs(i, True, 0.6, unknown_at={0.5: 0.0, 0.7: 0.4, 1.01: 0.6}) for i in range(20)]
    near_miss = obs(30, False, 0.6, unknown_at={0.5: 0.4, 0.7: 0.4, 1.01: 0.6})
    best = best_setting([*answerable, near_miss])
    assert best.similarity == 0.5 and best.thresholds.max_unknown < 0.4
    assert fit([*answerable, near_miss], best.thresholds, best.similarity).recall == 1.0


def test_test_split_is_only_reported() -> None:
    test_rows = [obs(100 + i, True, 0.2, split="test") for i in range(4)]
    report = tune_refusal(ROWS + test_rows)
    assert report["tune"] == fit(ROWS, Thresholds(**report["thresholds"])).__dict__  # type: ignore[arg-type]
    assert report["test"]["false_refusals"] == 1.0  # type: ignore[index]
