"""`docqa tune`: fusion weights fitted by MRR@10 on prepared tuning questions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.retrieve import Query, Retriever
from docqa.sections import RetrievalSettings
from docqa.settings import Settings
from eval.questions import EvalQuestion
from eval.tune import GRID, Asked, mrr, prepare, tune_fusion, write_settings
from tests.support.embedders import FakeEmbedder

FusionConfig = RetrievalSettings
Ranking = Callable[[FusionConfig], list[str]]


@dataclass
class Page:
    page_id: str


@dataclass
class Found:
    hits: list[Page]


@dataclass
class FakeRetriever:
    """Ranks pages by a rule of the fusion weights it was made with."""

    rank: Ranking
    config: FusionConfig

    def search(self, query: Query, k: int) -> Found:
        return Found([Page(p) for p in self.rank(self.config)][:k])


@dataclass
class Searchers:
    """Makes a fake retriever per weight combination, and remembers each."""

    rank: Ranking
    seen: list[FusionConfig] = field(default_factory=list)

    def __call__(self, config: FusionConfig) -> FakeRetriever:
        self.seen.append(config)
        return FakeRetriever(self.rank, config)


def fixed(rank: Ranking) -> FakeRetriever:
    return FakeRetriever(rank, FusionConfig())


def asked(*expected: tuple[str, ...]) -> list[Asked]:
    vector = np.zeros(3, dtype=np.float32)
    return [Asked(f"w{i}", Query("q", "q", vector), pages) for i, pages in enumerate(expected)]


def quiet(stage: str, done: int, total: int) -> None:
    return None


def test_mrr_is_the_mean_reciprocal_rank_of_the_expected_pages() -> None:
    engine = fixed(lambda config: ["widget-a", "widget-b", "widget-c"])
    assert mrr(engine, asked(("widget-a",))) == 1.0
    assert mrr(engine, asked(("widget-c", "widget-b"))) == 0.5
    assert mrr(engine, asked(("widget-b",), ("widget-z",))) == 0.25
    assert mrr(engine, []) == 0.0


def lexical_wins(config: FusionConfig) -> list[str]:
    return ["widget-a", "widget-b"] if config.lexical_weight >= 2 else ["widget-b", "widget-a"]


def test_tune_fusion_finds_the_weights_that_rank_the_expected_page_first() -> None:
    original = FusionConfig()
    calls: list[tuple[str, int, int]] = []
    result = tune_fusion(
        Searchers(lexical_wins), original, asked(("widget-a",)), lambda *a: calls.append(a)
    )
    assert result["best"]["lexical_weight"] >= 2
    assert set(result["best"]) == set(GRID)
    assert result["mrr@10"] == 1.0
    assert result["current"] == {
        "weights": {name: getattr(original, name) for name in GRID},
        "mrr@10": 0.5,
    }
    assert result["questions"] == 1
    scores = [row["mrr@10"] for row in result["top"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10
    assert all(set(row) == {*GRID, "mrr@10"} for row in result["top"])
    combos = int(np.prod([len(values) for values in GRID.values()]))
    assert calls[-1] == ("tuning fusion", combos, combos) and len(calls) == combos


def test_every_grid_combination_is_tried() -> None:
    searchers = Searchers(lexical_wins)
    tune_fusion(searchers, FusionConfig(), asked(("widget-a",)), quiet)
    tried = {tuple(getattr(c, name) for name in GRID) for c in searchers.seen}
    expected = {
        (d, lex, u, e)
        for d in GRID["dense_weight"]
        for lex in GRID["lexical_weight"]
        for u in GRID["unit_weight"]
        for e in GRID["exact_weight"]
    }
    assert tried >= expected


def test_a_tie_keeps_the_current_weights() -> None:
    current = FusionConfig(dense_weight=1.0, lexical_weight=3.0, unit_weight=2.0, exact_weight=1.0)
    searchers = Searchers(lambda config: ["widget-b", "widget-a"])
    result = tune_fusion(searchers, current, asked(("widget-a",)), quiet)
    assert result["best"] == {name: getattr(current, name) for name in GRID}
    assert result["mrr@10"] == result["current"]["mrr@10"] == 0.5


def test_current_weights_off_the_grid_are_measured_as_they_are() -> None:
    current = FusionConfig(dense_weight=0.25)
    searchers = Searchers(
        lambda config: ["widget-a"] if config.dense_weight == 0.25 else ["widget-b", "widget-a"]
    )
    result = tune_fusion(searchers, current, asked(("widget-a",)), quiet)
    assert result["current"]["weights"]["dense_weight"] == 0.25
    assert result["current"]["mrr@10"] == 1.0
    assert result["mrr@10"] == 0.5


def test_the_fitted_weights_are_written_to_a_settings_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"k": 7, "retrieval": {"rrf_k": 30}}', encoding="utf-8")
    result = tune_fusion(Searchers(lexical_wins), FusionConfig(), asked(("widget-a",)), quiet)
    write_settings(result, path)
    loaded = Settings(settings_file=path)
    assert loaded.k == 7 and loaded.retrieval.rrf_k == 30, "what the file held is kept"
    assert loaded.retrieval.lexical_weight == result["best"]["lexical_weight"] >= 2


# Our own wording, about the real pages the `fake_index` fixture indexes.
QUESTIONS = [
    EvalQuestion(
        "t1", "Which key encrypts the storage volume?", ("kms-in-comprehend",), True, ("KMS",), "f"
    ),
    EvalQuestion("t2", "How do I bake a widget cake?", (), False, (), "off-topic"),
    EvalQuestion(
        "t3",
        "and what about the logs of those calls?",
        ("logging-using-cloudtrail",),
        True,
        ("CloudTrail",),
        "follow-up",
        ("Which key encrypts the storage volume?",),
    ),
]


def test_prepare_and_tune_on_the_real_pages_with_the_fake_embedder(fake_index: Settings) -> None:
    from app.engine import Engine

    engine = Engine(fake_index, embedder=FakeEmbedder(fake_index.embed_model))
    calls: list[tuple[str, int, int]] = []
    prepared = prepare(engine, QUESTIONS, lambda *a: calls.append(a))
    assert [(a.id, a.expected) for a in prepared] == [
        ("t1", ("kms-in-comprehend",)),
        ("t3", ("logging-using-cloudtrail",)),
    ]
    assert calls[-1] == ("preparing", 2, 2)
    assert prepared[0].query.lexical == QUESTIONS[0].question
    # The follow-up is read with the conversation: the earlier question's words join it.
    assert "encrypts" in prepared[1].query.lexical and "logs" in prepared[1].query.lexical
    build = engine.load().build
    score = mrr(Retriever(build, fake_index.retrieval), prepared)
    assert 0.0 <= score <= 1.0
    result = tune_fusion(lambda cfg: Retriever(build, cfg), fake_index.retrieval, prepared, quiet)
    assert result["current"]["weights"] == {
        name: getattr(fake_index.retrieval, name) for name in GRID
    }
    assert result["current"]["mrr@10"] == round(score, 4)
    assert result["mrr@10"] >= result["current"]["mrr@10"]
