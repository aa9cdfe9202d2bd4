"""`docqa calibrate`'s refusal fit: the regression, its floor, and its figures per source."""

from __future__ import annotations

import numpy as np

from app.refusal import Evidence, RefusalModel
from eval.calibrate import WITH, WITHOUT, figures, fit
from eval.pseudo import Pseudo


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
