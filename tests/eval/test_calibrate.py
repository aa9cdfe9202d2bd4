"""`docqa calibrate`'s refusal fit: the regression, its floor, and its figures per source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.refusal import Calibration, Evidence, RefusalModel
from eval.calibrate import WITH, WITHOUT, figures, fit, fit_topic
from eval.pseudo import Pseudo, Sizes


def synthetic(n: int = 200) -> tuple[list[Evidence], list[bool]]:
    """Separable classes: questions the pages answer are close and covered; others not."""
    rng = np.random.default_rng(7)
    positives = [
        Evidence(float(s), float(c))
        for s, c in zip(rng.uniform(0.6, 0.9, n), rng.uniform(0.6, 1.0, n), strict=True)
    ]
    negatives = [
        Evidence(float(s), float(c))
        for s, c in zip(rng.uniform(0.1, 0.4, n), rng.uniform(0.0, 0.3, n), strict=True)
    ]
    return positives + negatives, [True] * n + [False] * n


def test_fit_answers_clear_positives_and_refuses_clear_negatives() -> None:
    evidence, labels = synthetic()
    model = fit(evidence, labels, WITHOUT)
    assert model.features == WITHOUT
    assert model.answers(Evidence(0.85, 0.9))
    assert not model.answers(Evidence(0.15, 0.1))
    answered = [model.answers(e) for e in evidence]
    negatives_answered = sum(a for a, label in zip(answered, labels, strict=True) if not label)
    positives_refused = sum(not a for a, label in zip(answered, labels, strict=True) if label)
    assert negatives_answered == 0
    assert positives_refused <= 0.02 * labels.count(True)


def test_the_floor_refuses_what_is_far_from_every_passage_however_covered() -> None:
    evidence, labels = synthetic()
    model = fit(evidence, labels, WITHOUT)
    positives = sorted(e.similarity for e, label in zip(evidence, labels, strict=True) if label)
    negatives = [e.similarity for e, label in zip(evidence, labels, strict=True) if not label]
    # At the positives' 1st percentile: above every negative, below all but a few positives.
    assert positives[0] <= model.min_similarity <= positives[len(positives) // 50]
    assert model.min_similarity > max(negatives)
    below = Evidence(model.min_similarity - 0.02, 1.0)
    assert model.probability(below) >= model.threshold  # the regression alone would answer
    assert not model.answers(below)


def test_fit_with_neighbours_refuses_what_a_neighbouring_page_matches_better() -> None:
    rng = np.random.default_rng(11)
    sims, covs = rng.uniform(0.5, 0.8, 400), rng.uniform(0.4, 0.8, 400)
    labels = [i % 2 == 0 for i in range(400)]
    evidence = [
        Evidence(float(s), float(c), float(s + (-0.2 if label else 0.2)))
        for s, c, label in zip(sims, covs, labels, strict=True)
    ]
    model = fit(evidence, labels, WITH)
    assert model.answers(Evidence(0.65, 0.6, neighbour=0.45))
    assert not model.answers(Evidence(0.65, 0.6, neighbour=0.85))


def test_figures_report_the_share_refused_per_source() -> None:
    # Answers exactly when the similarity is at least 0.5.
    model = RefusalModel(("similarity",), (1.0,), 0.0, (0.5,), (0.1,))
    rows = [
        ("indexed sentence", 0.9, True),
        ("indexed sentence", 0.8, True),
        ("general text", 0.1, False),
        ("indexed sentence", 0.2, True),
        ("general text", 0.6, False),
    ]
    items = [Pseudo(f"q{i}", answerable, source) for i, (source, _, answerable) in enumerate(rows)]
    evidence = [Evidence(sim, 0.5) for _, sim, _ in rows]
    result = figures(model, evidence, items)
    assert list(result) == ["indexed sentence", "general text"]
    assert result["indexed sentence"] == {"n": 3, "refused": 0.333}
    assert result["general text"] == {"n": 2, "refused": 0.5}


def test_the_topic_probe_learns_which_directions_the_pages_cover() -> None:
    # The pages' questions lean toward the first axis, the others' toward the second.
    rng = np.random.default_rng(5)
    n = 120
    lean = np.r_[np.tile([1.0, 0.0], (n, 1)), np.tile([0.0, 1.0], (n, 1))]
    vectors = np.hstack([lean, np.zeros((2 * n, 2))]) + rng.normal(0, 0.3, (2 * n, 4))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = [True] * n + [False] * n
    kinds = ["indexed sentence"] * n + ["neighbour heading"] * n
    probe, held_out = fit_topic(vectors, labels, kinds, seed=3)
    assert len(probe.weights) == 4 and probe.weights[0] > 0 > probe.weights[1]
    assert probe.score(np.array([1.0, 0, 0, 0], np.float32)) > 0
    assert probe.score(np.array([0, 1.0, 0, 0], np.float32)) < 0
    assert probe.recognises(vectors[:n].astype(np.float32))
    assert not probe.recognises(vectors[n:].astype(np.float32))
    # Out of fold: each score comes from a probe that never saw its question.
    full = probe.scores(vectors)
    assert held_out.shape == (2 * n,) and not np.allclose(held_out, full, atol=1e-3)
    assert np.mean((held_out > 0) == np.array(labels)) > 0.9


def test_a_questions_draws_share_a_fold_so_its_twin_never_scores_it() -> None:
    # Random directions with random labels, each asked twice: a probe can only learn them by
    # heart, so out of fold it scores them well only when a twin was in its training folds.
    rng = np.random.default_rng(7)
    n, dim = 60, 300
    base = rng.normal(size=(n, dim))
    vectors = np.repeat(base, 2, axis=0) + rng.normal(0, 0.05, (2 * n, dim))
    labels = [bool(b) for b in np.repeat(rng.integers(0, 2, n), 2)]
    kinds = ["indexed sentence" if lab else "neighbour heading" for lab in labels]
    groups = list(np.repeat(np.arange(n), 2))

    def out_of_fold_accuracy(grouped: bool) -> float:
        fitted = fit_topic(vectors, labels, kinds, 3, groups if grouped else None)
        assert fitted is not None
        return float(np.mean((fitted[1] > 0) == np.array(labels)))

    assert out_of_fold_accuracy(grouped=False) > 0.8  # its twin taught the probe
    assert out_of_fold_accuracy(grouped=True) < 0.7  # no twin: about a coin's toss


def test_too_few_pseudo_questions_fit_no_topic_probe() -> None:
    vectors = np.eye(6, 4)
    assert fit_topic(vectors, [True] * 3 + [False] * 3, ["a"] * 3 + ["b"] * 3, seed=1) is None


READER = Path(__file__).resolve().parents[1] / "fixtures" / "reader"


@pytest.mark.slow
def test_calibrate_fits_every_model_on_pages_and_their_neighbours(
    tmp_path: Path, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    """`docqa calibrate` end to end on pages written for the tests (the real model): the
    topic probe it fits recognises these pages, and the engine then judges with it."""
    from app.engine import Engine
    from docqa.settings import Settings
    from eval.calibrate import calibrate
    from ingest.pipeline import run_ingest

    settings = Settings(data_dir=tmp_path / "data", neighbours_dir=READER / "neighbours")
    run_ingest(settings, lambda: real_embedder, READER / "pages")
    engine = Engine(settings, embedder=real_embedder)
    result = calibrate(engine, READER / "neighbours", 13, lambda *_: None, Sizes(general=100))
    assert result.topic is not None and "topic" in result.topic.with_neighbours.features
    shares = result.about["pseudo_questions"]
    assert set(shares) == {
        "with_neighbours",
        "without_neighbours",
        "topic_with_neighbours",
        "topic_without_neighbours",
    }
    assert shares["topic_with_neighbours"]["general text"]["refused"] > 0.9
    path = tmp_path / "calibration.json"
    result.save(path)
    engine.calibration = Calibration.load(path)
    assert engine.topic_applies(engine.load())
    answer = engine.ask("Which managed policy lets a user only read documents?")
    assert not answer.refused and "topic" in answer.signals
