"""Tune fusion weights and refusal thresholds on the tuning split; report both splits."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from app.refusal import Thresholds, should_refuse, unknown_words
from eval.metrics import reciprocal_rank
from eval.questions import Question
from eval.split import assign_splits

if TYPE_CHECKING:
    from app.engine import Engine

Progress = Callable[[str, int, int], None]
# A margin under the 5% users accept: what fits the tuning half slips on new questions.
MAX_FALSE_REFUSALS = 0.02
# Synonym similarities tried: a question word missing from the pages counts as theirs when a
# page word is this close in meaning (1.01: never, every missing word counts).
SIMILARITIES = (*(x / 100 for x in range(30, 95, 5)), 1.01)


@dataclass(frozen=True)
class Observation:
    """One question's refusal signals and whether it is answerable."""

    id: str
    split: str
    answerable: bool
    signals: dict[str, float]
    rr: float
    # The "unknown" signal at each synonym similarity tried.
    unknown_at: dict[float, float] = field(default_factory=dict)

    def at(self, similarity: float | None) -> dict[str, float]:
        """The signals with "unknown" measured at the given synonym similarity."""
        if similarity is None or similarity not in self.unknown_at:
            return self.signals
        return {**self.signals, "unknown": self.unknown_at[similarity]}


@dataclass(frozen=True)
class Setting:
    """Refusal thresholds plus the synonym similarity the "unknown" signal is measured at."""

    thresholds: Thresholds
    similarity: float | None = None


@dataclass(frozen=True)
class RefusalFit:
    """Refusal figures of one threshold setting on one split."""

    recall: float
    false_refusals: float


def observe(engine: Engine, questions: Sequence[Question], progress: Progress) -> list[Observation]:
    """Ask every question with refusal switched off and keep its signals."""
    splits = assign_splits(questions)
    vocabulary = engine.load().vocabulary
    rows = []
    for n, q in enumerate(questions, 1):
        answer = engine.ask(q.question, list(q.history), k=10)
        rr = reciprocal_rank(answer.retrieved_pages, q.expected_pages) if q.answerable else 0.0
        words = unknown_words(answer.question, vocabulary)
        unknown = {s: words.share(s) for s in SIMILARITIES}
        rows.append(
            Observation(q.id, splits[q.id], q.answerable, dict(answer.signals), rr, unknown)
        )
        progress("tuning", n, len(questions))
    return rows


def fit(
    rows: Sequence[Observation], limits: Thresholds, similarity: float | None = None
) -> RefusalFit:
    """Refusal recall on unanswerable, and false refusals on answerable questions."""
    refused = [(r.answerable, should_refuse(r.at(similarity), limits)) for r in rows]
    unanswerable = [ref for ans, ref in refused if not ans]
    answerable = [ref for ans, ref in refused if ans]
    return RefusalFit(
        recall=sum(unanswerable) / max(len(unanswerable), 1),
        false_refusals=sum(answerable) / max(len(answerable), 1),
    )


def grid() -> list[Thresholds]:
    """Candidate refusal thresholds."""
    dense = [x / 100 for x in range(0, 60, 2)]
    support = [x / 100 for x in range(0, 60, 2)]
    unknown = [x / 100 for x in range(20, 101, 5)]
    return [Thresholds(d, s, u) for d, s, u in itertools.product(dense, support, unknown)]


def best_setting(rows: Sequence[Observation]) -> Setting:
    """Most refusals of unanswerable questions with at most MAX_FALSE_REFUSALS of answerable
    ones refused; ties go to the loosest setting (the middle of the feasible range would
    overfit less, but the loosest one refuses answerable questions least), the lowest
    synonym similarity last (the fewest question words counted as missing)."""
    similarities: list[float | None] = [*sorted({s for r in rows for s in r.unknown_at})] or [None]

    def key(setting: Setting) -> tuple[bool, float, float, float, float, float, float]:
        limits = setting.thresholds
        result = fit(rows, limits, setting.similarity)
        feasible = result.false_refusals <= MAX_FALSE_REFUSALS
        return (
            feasible,
            result.recall,
            -result.false_refusals,
            -limits.min_dense,
            -limits.min_support,
            limits.max_unknown,
            -(setting.similarity or 0.0),
        )

    return max((Setting(t, s) for s in similarities for t in grid()), key=key)


def tune_refusal(rows: Sequence[Observation]) -> dict[str, object]:
    """Thresholds fitted on the tuning split, with figures on both splits."""
    tune = [r for r in rows if r.split == "tune"]
    test = [r for r in rows if r.split == "test"]
    best = best_setting(tune)
    return {
        "thresholds": best.thresholds.__dict__,
        "synonym_similarity": best.similarity,
        "tune": fit(tune, best.thresholds, best.similarity).__dict__,
        "test": fit(test, best.thresholds, best.similarity).__dict__,
    }


def tune_fusion(
    engine: Engine, questions: Sequence[Question], weights: Sequence[float] = (0.5, 1.0, 2.0)
) -> dict[str, object]:
    """MRR@10 of each dense/lexical weight pair on both splits; the best is chosen on tune."""
    from app.question import contextualise

    splits = assign_splits(questions)
    retriever = engine.load().retriever
    original = retriever.config
    scores: dict[tuple[float, float], dict[str, float]] = {}
    try:
        for dense, lexical in itertools.product(weights, weights):
            retriever.config = replace(original, dense_weight=dense, lexical_weight=lexical)
            rr: dict[str, list[float]] = {"tune": [], "test": []}
            for q in (q for q in questions if q.answerable):
                found = retriever.search(contextualise(q.question, list(q.history)), 10)
                pages = [hit.page_id for hit in found.hits]
                rr[splits[q.id]].append(reciprocal_rank(pages, q.expected_pages))
            scores[(dense, lexical)] = {s: sum(v) / max(len(v), 1) for s, v in rr.items()}
    finally:
        retriever.config = original
    best = max(scores, key=lambda pair: (scores[pair]["tune"], -abs(pair[0] - pair[1])))
    return {
        "best": {"dense_weight": best[0], "lexical_weight": best[1]},
        "mrr@10": {f"{d}/{lx}": v for (d, lx), v in scores.items()},
    }


def without_refusal(engine: Engine) -> Engine:
    """The same engine with refusal switched off, to see every question's signals."""
    engine.thresholds = Thresholds(min_dense=-1.0, min_support=0.0, max_unknown=1.0)
    return engine
