"""`docqa calibrate`: fit the refusal model on pseudo-questions made from documents only
(eval/pseudo.py), measured against the index with what each was made from hidden."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.lexicon import words_of
from app.refusal import Calibration, Evidence, RefusalModel, gather, has_neighbours
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
from ingest.neighbours import Neighbours

if TYPE_CHECKING:
    from app.engine import Engine, Loaded

WITH, WITHOUT = ("similarity", "coverage", "neighbour_margin"), ("similarity", "coverage")


def measure(
    engine: Engine, loaded: Loaded, items: Sequence[Pseudo], progress: Progress
) -> list[Evidence]:
    """The refusal evidence of every pseudo-question, with what it was made from hidden."""
    build = loaded.build
    vectors = engine.embedder.encode([p.text for p in items])
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
    evidence = measure(engine, loaded, items, progress)
    labels = [p.answerable for p in items]
    neighbours = loaded.build.neighbours
    kinds = [p.source for p in items]
    models = {"without_neighbours": fit(evidence, labels, WITHOUT, kinds)}
    models["with_neighbours"] = (
        fit(evidence, labels, WITH, kinds)
        if has_neighbours(neighbours)
        else models["without_neighbours"]
    )
    about = {
        "method": "docs/refusal.md",
        "seed": seed,
        "index": {"pages": loaded.build.info.pages, "build": loaded.build.info.build_id},
        "neighbours": str(neighbours_folder or ""),
        "neighbour_headings": len(neighbours.headings) if neighbours is not None else 0,
        "model": engine.settings.embedding_id,
        "pseudo_questions": {
            name: figures(model, evidence, items) for name, model in models.items()
        },
    }
    return Calibration(models["with_neighbours"], models["without_neighbours"], about)
