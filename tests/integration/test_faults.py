"""Faults: the Chroma server down or killed mid-ingest, a damaged embedded index, and the app
answering while `docqa ingest` runs. Each says what to do, and nothing is lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from streamlit.testing.v1 import AppTest

from app.engine import Engine
from docqa.cli import cli
from docqa.settings import Settings, settings_env
from ingest.pipeline import run_ingest
from ingest.store import IndexStore, IndexUnavailableError, open_store
from tests.support.embedders import SLOW, FakeEmbedder

MAIN = Path(__file__).resolve().parents[2] / "app" / "ui" / "main.py"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"
UNREACHABLE = "Cannot reach the Chroma server at"
LOOP = [
    QUESTION,
    "What must a job's role be allowed to do in KMS so its storage volume gets encrypted?",
    "What is the shared responsibility model?",
    "What's a good recipe for banana bread?",
]


def docqa(settings: Settings, *args: str) -> Result:
    """The docqa command in a fresh in-process run (no Chroma client cached from before)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return CliRunner().invoke(cli, list(args), env=settings_env(settings), catch_exceptions=False)


def spawn(settings: Settings, *args: str) -> subprocess.Popen[str]:
    """The docqa command as another process."""
    env = {**os.environ, **settings_env(settings)}
    command = [sys.executable, "-m", "docqa", *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def ingest(settings: Settings, corpus: Path, rebuild: bool = False):  # type: ignore[no-untyped-def]
    return run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), corpus, rebuild)


def chunks_per_page(settings: Settings) -> dict[str, int]:
    _, collection = open_store(settings).open_current()
    counts: dict[str, int] = {}
    for meta in collection.get(include=["metadatas"])["metadatas"] or []:
        counts[str(meta["page_id"])] = counts.get(str(meta["page_id"]), 0) + 1
    return counts


def test_server_down_at_start_is_a_clear_error(
    settings: Settings, security_corpus: Path, dead_url: str
) -> None:
    down = settings.with_overrides(chroma_url=dead_url)
    for args in (
        ["ingest", "--corpus", str(security_corpus), "-q"],
        ["ask", QUESTION],
        ["status"],
    ):
        result = docqa(down, *args)
        assert result.exit_code == 1, (args, result.output)
        assert f"Error: {UNREACHABLE} {down.chroma_url}" in result.output
        assert "chroma run --path DIR" in result.output and "Traceback" not in result.output
    moved = docqa(settings, "migrate", "--to", str(down.chroma_url))
    assert moved.exit_code == 1 and "docqa ingest" in moved.output, "nothing to copy yet"
    ingest(settings, security_corpus)
    moved = docqa(settings, "migrate", "--to", str(down.chroma_url))
    assert moved.exit_code == 1 and UNREACHABLE in moved.output


def frozen_mid_build(proc: subprocess.Popen[str], store: IndexStore, wait_for) -> None:  # type: ignore[no-untyped-def]
    """Wait until the ingest `proc` has begun a new build, then freeze it there (SIGSTOP):
    the state is reached, not guessed, and nothing done meanwhile can race the ingest."""
    before = store.current_id()
    wait_for(
        lambda: proc.poll() is not None or any(b > str(before) for b in store.builds()),
        "the ingest to begin a new build",
    )
    os.kill(proc.pid, signal.SIGSTOP)
    assert proc.poll() is None, "the ingest finished before it could be stopped"
    assert store.current_id() == before, "the new build is not published yet"


def stop(proc: subprocess.Popen[str]) -> None:
    """Make sure a spawned ingest does not outlive its test."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.slow
def test_server_killed_mid_ingest_then_restarted_loses_nothing(
    settings: Settings, corpus: Path, own_server, wait_for
) -> None:  # type: ignore[no-untyped-def]
    slow = settings.with_overrides(chroma_url=own_server.url, embed_backend=SLOW)
    first = ingest(slow, corpus)
    before = chunks_per_page(slow)
    for page in corpus.glob("*.md"):
        page.write_text(page.read_text() + "\n\nEdited by the test.\n")
    proc = spawn(slow, "ingest", "--corpus", str(corpus), "--quiet")
    store = open_store(slow)
    try:
        frozen_mid_build(proc, store, wait_for)
        own_server.kill()
        os.kill(proc.pid, signal.SIGCONT)  # it goes on, and meets the server gone
        _out, err = proc.communicate(timeout=120)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    assert f"Error: {UNREACHABLE} {own_server.url}" in err and "Traceback" not in err
    own_server.start()  # same data folder, same port
    assert store.current_id() == first.build_id, "the pointer never moved"
    assert chunks_per_page(slow) == before, "the old build is whole"
    assert Engine(slow).ask(QUESTION).question == QUESTION
    report = ingest(slow, corpus)
    assert len(report.changed) == 16 and report.embedded_chunks == report.chunks
    assert store.builds() == [first.build_id, report.build_id], "the half build is pruned"
    assert set(chunks_per_page(slow)) == set(before)
    assert sum(chunks_per_page(slow).values()) == report.chunks


@pytest.mark.slow
def test_engine_and_app_report_a_down_server_then_recover(
    settings: Settings, security_corpus: Path, own_server, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    served = settings.with_overrides(chroma_url=own_server.url)
    ingest(served, security_corpus)
    for name, value in settings_env(served).items():
        monkeypatch.setenv(name, value)
    engine = Engine(served)
    expected = engine.ask(QUESTION)
    app = AppTest.from_file(str(MAIN), default_timeout=60).run()
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception and not app.error
    own_server.kill()
    with pytest.raises(IndexUnavailableError, match=UNREACHABLE):
        engine.ask(QUESTION)
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception, "the app shows an error, never a traceback"
    errors = [str(e.value) for e in app.error]
    assert any(UNREACHABLE in e and "chroma run" in e for e in errors), errors
    own_server.start()
    assert engine.ask(QUESTION).text == expected.text
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    last = [m for m in app.chat_message if m.name == "assistant"][-1]
    assert not last.error and any("Sources" in str(m.value) for m in last.markdown)


DAMAGE = ["deleted build folder", "garbage database", "garbage pointer", "pointer outside"]


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_embedded_index_says_rebuild_and_rebuild_fixes_it(
    fake_index: Settings, security_corpus: Path, tmp_path: Path, damage: str
) -> None:
    store = open_store(fake_index)
    build = store.build_dir(str(store.current_id()))
    if damage == "deleted build folder":
        shutil.rmtree(build)
    elif damage == "garbage database":
        (build / "chroma.sqlite3").write_bytes(os.urandom(4096) + b"not a database" * 100)
    elif damage == "garbage pointer":
        (store.root / "CURRENT.json").write_text("{ not json")
    else:  # a working build outside the index folder must not be opened
        shutil.copytree(build, tmp_path / "outside")
        escape = os.path.relpath(tmp_path / "outside", store.root / "builds")
        (store.root / "CURRENT.json").write_text(json.dumps({"build": escape}))
    for args in (["ask", QUESTION], ["status"]):
        result = docqa(fake_index, *args)
        assert result.exit_code == 1, result.output
        assert "damaged" in result.output and "docqa ingest --rebuild" in result.output
        assert "Traceback" not in result.output
    fixed = docqa(fake_index, "ingest", "--rebuild", "--corpus", str(security_corpus), "-q")
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(docqa(fake_index, "status", "--json").stdout)["pages"] == 16
    answer = docqa(fake_index, "ask", "--json", QUESTION)
    assert answer.exit_code == 0 and json.loads(answer.stdout)["question"] == QUESTION
    if damage == "pointer outside":
        assert (tmp_path / "outside" / "chroma.sqlite3").is_file(), "never deleted"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_app_answers_throughout_while_ingest_runs(
    settings: Settings, corpus: Path, chroma_server, wait_for, mode: str
) -> None:  # type: ignore[no-untyped-def]
    # The slow fake embedder: a build takes seconds, so the ingest can be caught midway.
    settings = settings.with_overrides(embed_backend=SLOW)
    if mode == "server":
        settings = settings.with_overrides(chroma_url=chroma_server.url, collection="busy")
    first = ingest(settings, corpus)
    store = open_store(settings)
    engine = Engine(settings)
    answered: list[str] = []  # the build each answer was read from
    errors: list[str] = []
    stop_asking = threading.Event()

    def app_loop() -> None:
        n = 0
        while not stop_asking.is_set():
            try:
                answer = engine.ask(LOOP[n % len(LOOP)])
                assert answer.refused or answer.citations
                answered.append(engine.load().info.build_id)
            except Exception as exc:
                errors.append(repr(exc))
            n += 1

    thread = threading.Thread(target=app_loop)
    thread.start()
    reports = []
    try:
        for step in range(3):
            for page in sorted(corpus.glob("*.md"))[: 4 * (step + 1)]:
                page.write_text(page.read_text() + f"\n\nEdit {step} by the test.\n")
            rebuild = step == 2
            extra = ["--rebuild"] if rebuild else []
            proc = spawn(settings, "ingest", "--corpus", str(corpus), "--json", "-q", *extra)
            try:
                if rebuild:  # every page re-embedded: the app answers from the old build
                    frozen_mid_build(proc, store, wait_for)
                    seen = len(answered)
                    wait_for(lambda n=seen: len(answered) >= n + 3 or errors, "answers mid-rebuild")
                    assert set(answered[seen:]) == {reports[-1]["build_id"]}
                    os.kill(proc.pid, signal.SIGCONT)
                out, err = proc.communicate(timeout=300)
            finally:
                stop(proc)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
            built = reports[-1]["build_id"]
            wait_for(lambda b=built: b in answered or errors, f"an answer read from build {built}")
    finally:
        stop_asking.set()
        thread.join(timeout=120)
    assert errors == [], errors[:3]
    published = [first.build_id, *(r["build_id"] for r in reports)]
    assert set(published) <= set(answered), "the app followed every build while answering"
    final = published[-1]
    assert engine.load().info.build_id == final == store.current_id()
    counts = chunks_per_page(settings)
    assert len(counts) == 16 and sum(counts.values()) == reports[-1]["chunks"]
    assert len(store.builds()) == 2


def test_damaged_server_pointer_says_rebuild_and_rebuild_fixes_it(
    server_settings: Settings, security_corpus: Path
) -> None:
    first = ingest(server_settings, security_corpus)
    store = open_store(server_settings)
    pointer = store.client("").get_collection(f"{server_settings.collection}-current")
    pointer.modify(metadata={"build": "../../../etc"})
    for args in (["ask", QUESTION], ["status"], ["ingest", "--corpus", str(security_corpus)]):
        result = docqa(server_settings, *args)
        assert result.exit_code == 1 and "docqa ingest --rebuild" in result.output, args
    fixed = docqa(server_settings, "ingest", "--rebuild", "--corpus", str(security_corpus))
    assert fixed.exit_code == 0, fixed.output
    assert store.current_id() not in (None, first.build_id)
    assert store.builds() == [first.build_id, store.current_id()]
