"""`docqa tune`: fit the fusion weights on the tuning file (never the test file).

Refusal is not tuned here: its model is fitted on documents (`docqa calibrate`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models import Answer
from app.question import conversation
from docqa.progress import Progress
from eval.metrics import reciprocal_rank
from eval.questions import TUNE_QUESTIONS, Question, load_questions

if TYPE_CHECKING:
    from app.engine import Engine
    from app.retrieve import Query
    from docqa.settings import Settings

GRID: dict[str, tuple[float, ...]] = {
    "dense_weight": (0.0, 0.5, 1.0),
    "lexical_weight": (1.0, 2.0, 3.0),
    "unit_weight": (0.5, 1.0, 2.0),
    "exact_weight": (0.0, 1.0),
}


@dataclass(frozen=True)
class Asked:
    """One answerable tuning question as retrieval sees it, and the pages that answer it."""

    id: str
    query: Query
    expected: tuple[str, ...]


def prepare(engine: Engine, questions: Sequence[Question], progress: Progress) -> list[Asked]:
    """Every answerable question's query; a follow-up's earlier turns are asked first."""
    out = []
    answerable = [q for q in questions if q.answerable]
    for n, q in enumerate(answerable, 1):
        earlier: list[Answer] = []
        for turn in q.history:
            earlier.append(engine.ask(turn, earlier))
        query = engine.query(q.question, conversation(earlier), engine.load())
        out.append(Asked(q.id, query, q.expected_pages))
        progress("preparing", n, len(answerable))
    return out


def mrr(engine: Engine, asked: Sequence[Asked]) -> float:
    """MRR@10 of the engine's retriever on the prepared questions."""
    retriever = engine.load().retriever
    total = 0.0
    for item in asked:
        pages = [hit.page_id for hit in retriever.search(item.query, 10).hits]
        total += reciprocal_rank(pages, item.expected)
    return total / max(len(asked), 1)


def tune_fusion(engine: Engine, asked: Sequence[Asked], progress: Progress) -> dict[str, Any]:
    """MRR@10 of every weight combination of GRID; the best, ties to the current weights."""
    retriever = engine.load().retriever
    original = retriever.config
    names = list(GRID)
    scores: dict[tuple[float, ...], float] = {}
    combos = list(itertools.product(*GRID.values()))
    try:
        for n, combo in enumerate(combos, 1):
            weights: dict[str, Any] = dict(zip(names, combo, strict=True))
            retriever.config = replace(original, **weights)
            scores[combo] = mrr(engine, asked)
            progress("tuning fusion", n, len(combos))
    finally:
        retriever.config = original
    current = tuple(getattr(original, name) for name in names)
    best = max(scores, key=lambda c: (round(scores[c], 6), c == current))
    ranked = sorted(scores, key=lambda c: -scores[c])[:10]
    return {
        "best": dict(zip(names, best, strict=True)),
        "top": [
            {**dict(zip(names, c, strict=True)), "mrr@10": round(scores[c], 4)} for c in ranked
        ],
        "mrr@10": round(scores[best], 4),
        "current": {
            "weights": dict(zip(names, current, strict=True)),
            "mrr@10": round(scores.get(current, mrr(engine, asked)), 4),
        },
        "questions": len(asked),
    }


def run_tune(settings: Settings, questions: Path | None, progress: Progress) -> dict[str, Any]:
    """`docqa tune`: the fusion weights fitted on a questions file (default: the tuning file)."""
    from app.engine import Engine

    engine = Engine(settings)
    asked = prepare(engine, load_questions(questions or TUNE_QUESTIONS), progress)
    return tune_fusion(engine, asked, progress)


def summary(result: dict[str, Any]) -> str:
    """What a tuning found, and where to put it."""
    return (
        f"best on {result['questions']} answerable tuning questions: {result['best']} "
        f"(MRR@10 {result['mrr@10']}; now {result['current']['mrr@10']}). Set them as "
        "DOCQA_* variables, or as the defaults in docqa/settings.py."
    )
