"""docqa against a real `chroma run` on 127.0.0.1: ingest, ask, re-ingest, rebuild, migrate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from app.engine import Engine
from docqa.cli import cli
from docqa.settings import Settings, settings_env
from ingest.pipeline import run_ingest
from ingest.store import open_store
from tests.support.embedders import FakeEmbedder

QUESTIONS = [
    "What must a job's role be allowed to do in KMS so its storage volume gets encrypted?",
    "How does Amazon Comprehend encrypt the output of a job with KMS?",
    "What is the shared responsibility model?",
    "Which managed policy gives full access to Comprehend?",
    "How can I prevent the confused deputy problem with aws:SourceArn?",
    "What's a good recipe for banana bread?",
]


def docqa(settings: Settings, *args: str) -> Result:
    """Run the docqa command in-process with these settings as DOCQA_* variables."""
    return CliRunner().invoke(cli, list(args), env=settings_env(settings), catch_exceptions=False)


def ingest(settings: Settings, corpus: Path, rebuild: bool = False) -> Any:
    return run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), corpus, rebuild)


def answers(engine: Engine) -> list[tuple[str, bool, list[str]]]:
    """What a user sees for each question: text, refusal, cited pages."""
    got = [engine.ask(q) for q in QUESTIONS]
    return [(a.text, a.refused, a.cited_pages) for a in got]


def server_names(settings: Settings) -> list[str]:
    store = open_store(settings)
    return sorted(
        c.name
        for c in store.client("").list_collections()
        if c.name.startswith(f"{settings.collection}-")
    )


def test_ingest_status_and_ask_through_the_server(
    server_settings: Settings, settings: Settings, security_corpus: Path
) -> None:
    result = docqa(server_settings, "ingest", "--corpus", str(security_corpus), "--json", "-q")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["added"]) == 16 and report["chunks"] == report["embedded_chunks"] > 16
    status = json.loads(docqa(server_settings, "status", "--json").stdout)
    assert status["build_id"] == report["build_id"] and status["pages"] == 16
    name = server_settings.collection
    assert server_names(server_settings) == [f"{name}-{report['build_id']}", f"{name}-current"]
    local = server_settings.index_path
    assert not (local / "builds").exists() and not (local / "CURRENT.json").exists()
    assert (local / "reading" / report["build_id"] / "ids.json").is_file()
    asked = docqa(server_settings, "ask", "--json", QUESTIONS[1])
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["question"] == QUESTIONS[1]
    ingest(settings, security_corpus)  # the same pages, embedded: the answers must match
    assert answers(Engine(server_settings)) == answers(Engine(settings))


def test_incremental_reingest_and_rebuild(server_settings: Settings, corpus: Path) -> None:
    first = ingest(server_settings, corpus)
    page = corpus / "kms-in-comprehend.md"
    page.write_text(page.read_text() + "\n\nA sentence added by the test.\n")
    second = ingest(server_settings, corpus)
    assert second.changed == ["kms-in-comprehend"] and len(second.unchanged) == 15
    assert 0 < second.embedded_chunks < first.chunks
    store = open_store(server_settings)
    assert store.builds() == [first.build_id, second.build_id]
    (corpus / "comp-security.md").unlink()
    third = ingest(server_settings, corpus)
    assert third.removed == ["comp-security"] and third.embedded_chunks == 0
    assert store.builds() == [second.build_id, third.build_id]
    engine = Engine(server_settings)
    assert "comp-security" not in {c.page_id for c in engine.load().build.chunks.values()}
    fourth = ingest(server_settings, corpus, rebuild=True)
    assert fourth.embedded_chunks == fourth.chunks == third.chunks
    assert store.builds() == [third.build_id, fourth.build_id]
    assert store.current_id() == fourth.build_id
    assert engine.load().info.build_id == fourth.build_id, "the engine follows the new build"
    reading = sorted(p.name for p in (server_settings.index_path / "reading").iterdir())
    assert reading == [third.build_id, fourth.build_id]
    assert ingest(server_settings, corpus).build_id == fourth.build_id, "no change, no build"


def test_missing_local_bm25_is_rebuilt_from_the_collection(
    server_settings: Settings, security_corpus: Path, tmp_path: Path
) -> None:
    ingest(server_settings, security_corpus)
    expected = answers(Engine(server_settings))
    elsewhere = server_settings.with_overrides(data_dir=tmp_path / "other-machine")
    assert open_store(elsewhere).current_id() == open_store(server_settings).current_id()
    assert answers(Engine(elsewhere)) == expected
    assert not elsewhere.index_path.exists(), "reading never writes locally"


def test_migrate_copies_the_embedded_index_without_re_embedding(
    settings: Settings,
    server_settings: Settings,
    security_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = settings.with_overrides(collection=server_settings.collection)
    report = ingest(local, security_corpus)

    def no_model(*_: Any) -> None:
        raise AssertionError("migrate must not load the embedding model")

    monkeypatch.setattr("ingest.embed.load_embedder", no_model)
    result = docqa(local, "migrate", "--to", str(server_settings.chroma_url), "--json")
    assert result.exit_code == 0, result.output
    moved = json.loads(result.stdout)
    assert moved == {
        "build_id": report.build_id,
        "source": str(local.index_path),
        "target": server_settings.chroma_url,
        "chunks": report.chunks,
        "copied": True,
    }
    _, old = open_store(local).open_current()
    info, new = open_store(server_settings).open_current()
    assert info.build_id == report.build_id and info.files == open_store(local).info().files  # type: ignore[union-attr]
    a = old.get(include=["embeddings", "documents", "metadatas"])
    b = new.get(ids=a["ids"], include=["embeddings", "documents", "metadatas"])
    assert b["ids"] == a["ids"] and b["documents"] == a["documents"]
    assert b["metadatas"] == a["metadatas"]
    assert np.allclose(np.asarray(a["embeddings"]), np.asarray(b["embeddings"]))
    monkeypatch.undo()
    assert answers(Engine(server_settings)) == answers(Engine(local))
    again = json.loads(
        docqa(local, "migrate", "--to", str(server_settings.chroma_url), "--json").stdout
    )
    assert again["copied"] is False
    same = docqa(server_settings, "migrate", "--to", str(server_settings.chroma_url))
    assert same.exit_code == 1 and "already at" in same.output


@pytest.mark.slow
def test_real_model_over_the_server(
    real_server_index: Settings, real_engine, real_embedder
) -> None:  # type: ignore[no-untyped-def]
    served = Engine(real_server_index, embedder=real_embedder)
    answer = served.ask(QUESTIONS[0])
    assert not answer.refused and "storage volume" in answer.text
    assert {c.page for c in answer.citations} == {"kms-in-comprehend"}
    assert served.ask(QUESTIONS[-1]).refused
    assert answers(served) == answers(real_engine)


@pytest.mark.slow
def test_evaluation_runs_through_the_server(
    real_server_index: Settings,
    real_index: Settings,
    real_embedder,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from eval.run import EvalOptions, run_eval

    (tmp_path / "none.json").write_text("{}")
    options = EvalOptions(
        baselines=False, out_dir=tmp_path / "runs", split="tune", thresholds=tmp_path / "none.json"
    )
    result = run_eval(real_server_index, options, embedder=real_embedder)
    assert result.summary["questions"] == len(result.records) >= 100
    assert {r.system for r in result.records} == {"docqa"}
    # The same build read from the server answers as the embedded one does.
    local = run_eval(real_index, options, embedder=real_embedder)
    assert [r.answer for r in result.records] == [r.answer for r in local.records]
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["settings"]["chroma_url"] == real_server_index.chroma_url
