"""Index status and the in-app rebuild."""

from __future__ import annotations

from pathlib import Path

from app.auth import LOCAL
from app.indexing import (
    built_when,
    corpus_for,
    describe,
    progress_step,
    rebuild,
    report_summary,
)
from ingest.store import IndexInfo, open_store
from tests.support.embedders import FakeEmbedder


def info(source: str) -> IndexInfo:
    return IndexInfo("b1", "fake", "c", "x", "2026-01-02T03:04:05Z", source, 16, 101)


def test_describe_and_dates() -> None:
    rows = dict(describe(info("/somewhere/comprehend-security")))
    assert rows == {
        "Pages": "16",
        "Chunks": "101",
        "Embedding model": "fake",
        "Built": "2026-01-02 03:04 UTC",
        "Corpus": "comprehend-security",
    }
    assert built_when("yesterday") == "yesterday"


def test_progress_steps() -> None:
    assert progress_step("embedding pages", 4, 16) == (0.25, "Embedding pages: 4 of 16")
    assert progress_step("loading model", 0, 1) == (0.0, "Loading the embedding model")
    assert progress_step("something new", 3, 0) == (0.0, "Something new")


def test_corpus_is_the_configured_folder_else_the_index_source(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert corpus_for(settings, None) is None
    assert corpus_for(settings, info(str(tmp_path))) == tmp_path
    settings.corpus_path.mkdir(parents=True)
    assert corpus_for(settings, info(str(tmp_path))) == settings.corpus_path


def test_rebuild_is_incremental(settings, fixture_pages: Path) -> None:  # type: ignore[no-untyped-def]
    steps: list[str] = []
    embedder = FakeEmbedder()
    source = info(str(fixture_pages))
    first = rebuild(
        settings, lambda: embedder, source, lambda s, d, t: steps.append(s), actor=LOCAL
    )
    assert "embedding pages" in steps and report_summary(first).startswith("New index published")
    again = rebuild(
        settings, lambda: embedder, open_store(settings).info(), lambda *a: None, actor=LOCAL
    )
    assert report_summary(again).startswith("Index is up to date")
    assert again.build_id == first.build_id
