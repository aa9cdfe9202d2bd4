"""`docqa calibrate`: fit the refusal model on pseudo-questions made from documents only
(eval/pseudo.py), measured against the index with what each was made from hidden."""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.lexicon import words_of
from app.refusal import (
    Calibration,
    Evidence,
    RefusalModel,
    TopicModels,
    TopicProbe,
    gather,
    has_neighbours,
)
from docqa.progress import Progress
from eval.pseudo import (
    Pseudo,
    Sizes,
    add_context,
    foreign_words,
    general_pseudo,
    indexed_pseudo,
    neighbour_pseudo,
)
from ingest.neighbour_headings import Neighbours

if TYPE_CHECKING:
    from app.engine import Engine
    from app.loaded import Loaded

WITH, WITHOUT = ("similarity", "coverage", "neighbour_margin"), ("similarity", "coverage")


def measure(
    loaded: Loaded, items: Sequence[Pseudo], vectors: np.ndarray[Any, Any], progress: Progress
) -> list[Evidence]:
    """The refusal evidence of every pseudo-question (`vectors`: their embeddings), with what
    it was made from hidden."""
    build = loaded.build
    out = []
    for n, (item, vector) in enumerate(zip(items, vectors, strict=True), 1):
        sims = build.units.vectors @ vector
        if item.hidden_rows:
            sims = sims.copy()
            sims[list(item.hidden_rows)] = -1.0
        out.append(
            gather(
                words_of(item.text),
                sims,
                build.units,
                loaded.lexicon,
                _without(build.neighbours, item.hidden_page),
                vector,
            )
        )
        if n % 200 == 0 or n == len(items):
            progress("measuring pseudo-questions", n, len(items))
    return out


def _without(neighbours: Neighbours | None, page: str) -> Neighbours | None:
    if neighbours is None or not page:
        return neighbours
    keep = [i for i, p in enumerate(neighbours.pages) if p != page]
    return Neighbours(
        tuple(neighbours.pages[i] for i in keep),
        tuple(neighbours.headings[i] for i in keep),
        neighbours.vectors[keep],
    )


FLOOR_QUANTILE = 0.01  # of the positives' similarity: below it, nothing is answered
FOLDS = 5  # the topic probe's scores of the pseudo-questions are out of fold


def kind_weights(labels: Sequence[bool], kinds: Sequence[str]) -> np.ndarray[Any, Any]:
    """Sample weights: both classes weigh the same, and so does every kind of pseudo-question
    within a class (how many of each were sampled is not a statement about users)."""
    weights = np.zeros(len(labels))
    for label in (True, False):
        chosen = [k for k, lab in zip(kinds, labels, strict=True) if lab == label]
        for kind in set(chosen):
            share = 1.0 / (2 * len(set(chosen)) * chosen.count(kind))
            for i, (k, lab) in enumerate(zip(kinds, labels, strict=True)):
                if lab == label and k == kind:
                    weights[i] = share
    return weights * len(labels)


def fit(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    features: Sequence[str],
    kinds: Sequence[str] | None = None,
) -> RefusalModel:
    """Logistic regression on standardised features, both classes and every kind of
    pseudo-question within a class weighted equally; the decision threshold is 0.5, the point
    where either answer is as likely. A similarity floor (the positives' 1st percentile)
    refuses what is far from every passage, however the other features fall."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([e.values(features) for e in evidence], dtype=np.float64)
    y = np.array(labels, dtype=bool)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(max_iter=1000)
    model.fit(
        (x - means) / scales, y, sample_weight=kind_weights(labels, kinds or ["all"] * len(y))
    )
    positives = [e.similarity for e, label in zip(evidence, labels, strict=True) if label]
    floor = float(np.quantile(positives, FLOOR_QUANTILE)) if positives else 0.0
    return RefusalModel(
        features=tuple(features),
        weights=tuple(round(float(w), 6) for w in model.coef_[0]),
        bias=round(float(model.intercept_[0]), 6),
        means=tuple(round(float(m), 6) for m in means),
        scales=tuple(round(float(s), 6) for s in scales),
        min_similarity=round(floor, 6),
    )


def fit_topic(
    vectors: np.ndarray[Any, Any],
    labels: Sequence[bool],
    kinds: Sequence[str],
    seed: int,
    groups: Sequence[Hashable] | None = None,
) -> tuple[TopicProbe, np.ndarray[Any, Any]] | None:
    """The topic probe: a logistic regression on the pseudo-questions' embeddings (classes
    and kinds weighted as in `fit`, scikit-learn's default regularisation). Also returns each
    pseudo-question's score from a probe fitted without its fold, so the refusal model that
    reads the score is fitted on scores like those of questions the probe never saw; the
    pseudo-questions of one `groups` value (one sentence asked several ways) share a fold.
    None when either class has fewer pseudo-questions than folds (too few pages to learn
    from)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    x = np.asarray(vectors, dtype=np.float64)
    y = np.array(labels, dtype=bool)
    if min(int(y.sum()), int((~y).sum())) < FOLDS:
        return None
    weights = kind_weights(labels, kinds)
    strata = [f"{label}:{kind}" for label, kind in zip(labels, kinds, strict=True)]
    held_out = np.zeros(len(y))
    ids = {g: n for n, g in enumerate(dict.fromkeys(groups or range(len(y))))}
    group_ids = [ids[g] for g in (groups or range(len(y)))]
    folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    for train, test in folds.split(x, strata, group_ids):
        part = LogisticRegression(max_iter=3000).fit(x[train], y[train], weights[train])
        held_out[test] = part.decision_function(x[test])
    probe = LogisticRegression(max_iter=3000).fit(x, y, weights)
    return (
        TopicProbe(
            tuple(round(float(w), 6) for w in probe.coef_[0]),
            round(float(probe.intercept_[0]), 6),
        ),
        held_out,
    )


def topic_models(
    vectors: np.ndarray[Any, Any],
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    kinds: Sequence[str],
    neighbours: bool,
    seed: int,
    groups: Sequence[Hashable] | None = None,
) -> tuple[TopicModels | None, list[Evidence]]:
    """The topic probe and the refusal models that read its score, with the evidence they
    were fitted on (each pseudo-question's out-of-fold score added); None without a probe."""
    fitted = fit_topic(vectors, labels, kinds, seed, groups)
    if fitted is None:
        return None, list(evidence)
    probe, held_out = fitted
    scored = [replace(e, topic=float(t)) for e, t in zip(evidence, held_out, strict=True)]
    without = fit(scored, labels, (*WITHOUT, "topic"), kinds)
    with_them = fit(scored, labels, (*WITH, "topic"), kinds) if neighbours else without
    return TopicModels(probe, with_them, without), scored


def figures(
    model: RefusalModel, evidence: Sequence[Evidence], items: Sequence[Pseudo]
) -> dict[str, dict[str, Any]]:
    """Per source of pseudo-questions: how many, and the share the model refuses."""
    out: dict[str, dict[str, Any]] = {}
    for source in dict.fromkeys(p.source for p in items):
        chosen = [e for e, p in zip(evidence, items, strict=True) if p.source == source]
        refused = sum(not model.answers(e) for e in chosen)
        out[source] = {"n": len(chosen), "refused": round(refused / len(chosen), 3)}
    return out


def calibrate(
    engine: Engine,
    neighbours_folder: Path | None,
    seed: int,
    progress: Progress,
    sizes: Sizes = Sizes(),
) -> Calibration:
    """Make the pseudo-questions, measure them, fit both models (with and without the
    neighbouring pages) and say how each does on each kind of pseudo-question."""
    rng = random.Random(seed)
    loaded = engine.load()
    max_bytes = engine.settings.max_page_bytes
    items = indexed_pseudo(loaded, rng, sizes)
    if neighbours_folder is not None:
        items += neighbour_pseudo(loaded, neighbours_folder, sizes, rng, max_bytes)
    items += general_pseudo(sizes, rng)
    pool = foreign_words([*(p.text for p in items if not p.answerable)], loaded.lexicon)
    items = [replace(p, text=add_context(p.text, pool, sizes, rng)) for p in items]
    vectors = engine.embedder.encode([p.text for p in items])
    evidence = measure(loaded, items, vectors, progress)
    labels = [p.answerable for p in items]
    neighbours = loaded.build.neighbours
    kinds = [p.source for p in items]
    models = {"without_neighbours": fit(evidence, labels, WITHOUT, kinds)}
    models["with_neighbours"] = (
        fit(evidence, labels, WITH, kinds)
        if has_neighbours(neighbours)
        else models["without_neighbours"]
    )
    groups = [p.hidden_rows or n for n, p in enumerate(items)]  # one sentence's draws
    topic, scored = topic_models(
        vectors, evidence, labels, kinds, has_neighbours(neighbours), seed, groups
    )
    shares = {name: figures(model, evidence, items) for name, model in models.items()}
    if topic is not None:
        for name, model in (("with", topic.with_neighbours), ("without", topic.without_neighbours)):
            shares[f"topic_{name}_neighbours"] = figures(model, scored, items)
    about = {
        "method": "docs/refusal.md",
        "seed": seed,
        "index": {"pages": loaded.build.info.pages, "build": loaded.build.info.build_id},
        "neighbours": str(neighbours_folder or ""),
        "neighbour_headings": len(neighbours.headings) if neighbours is not None else 0,
        "model": engine.settings.embedding_id,
        "pseudo_questions": shares,
    }
    return Calibration(models["with_neighbours"], models["without_neighbours"], about, topic)
