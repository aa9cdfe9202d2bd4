"""`docqa tune`: fit the fusion weights on the tuning file (never the test file).

Refusal is not tuned here: its model is fitted on documents (`docqa calibrate`)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.models import Answer
from app.question import conversation
from app.retrieve import Retriever
from docqa.errors import PathError
from docqa.progress import Progress
from docqa.sections import RetrievalSettings
from eval.metrics import reciprocal_rank
from eval.questions import TUNE_QUESTIONS, EvalQuestion, load_questions

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


def prepare(engine: Engine, questions: Sequence[EvalQuestion], progress: Progress) -> list[Asked]:
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


class Searcher(Protocol):
    """What tuning ranks pages with: a retriever."""

    def search(self, query: Query, k: int) -> Any:
        """The k best pages (`.hits`, each with a `.page_id`)."""
        ...


def mrr(retriever: Searcher, asked: Sequence[Asked]) -> float:
    """MRR@10 of a retriever on the prepared questions."""
    total = 0.0
    for item in asked:
        pages = [hit.page_id for hit in retriever.search(item.query, 10).hits]
        total += reciprocal_rank(pages, item.expected)
    return total / max(len(asked), 1)


def tune_fusion(
    searcher: Callable[[RetrievalSettings], Searcher],
    original: RetrievalSettings,
    asked: Sequence[Asked],
    progress: Progress,
) -> dict[str, Any]:
    """MRR@10 of every weight combination of GRID, each searched by a retriever of its own
    (`searcher`); the best, ties to the current weights (`original`)."""
    names = list(GRID)
    scores: dict[tuple[float, ...], float] = {}
    combos = list(itertools.product(*GRID.values()))
    for n, combo in enumerate(combos, 1):
        weights: dict[str, Any] = dict(zip(names, combo, strict=True))
        scores[combo] = mrr(searcher(original.model_copy(update=weights)), asked)
        progress("tuning fusion", n, len(combos))
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
            "mrr@10": round(scores.get(current, mrr(searcher(original), asked)), 4),
        },
        "questions": len(asked),
    }


def run_tune(settings: Settings, questions: Path | None, progress: Progress) -> dict[str, Any]:
    """`docqa tune`: the fusion weights fitted on a questions file (default: the tuning file)."""
    from app.engine import Engine

    engine = Engine(settings)
    asked = prepare(engine, load_questions(questions or TUNE_QUESTIONS), progress)
    build = engine.load().build
    return tune_fusion(lambda cfg: Retriever(build, cfg), settings.retrieval, asked, progress)


def write_settings(result: dict[str, Any], path: Path) -> None:
    """A settings file holding the fitted weights, beside what the file already held."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        data = data if isinstance(data, dict) else {}
        data["retrieval"] = {**data.get("retrieval", {}), **result["best"]}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise PathError(f"Cannot write the settings file {path}: {exc}") from exc


def summary(result: dict[str, Any], path: Path) -> str:
    """What a tuning found, and where it was put."""
    return (
        f"best on {result['questions']} answerable tuning questions: {result['best']} "
        f"(MRR@10 {result['mrr@10']}; now {result['current']['mrr@10']}). Written to {path}; "
        f"use it with DOCQA_SETTINGS_FILE={path} (or docqa --settings {path} ...)."
    )
