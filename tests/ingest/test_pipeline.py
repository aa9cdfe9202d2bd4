"""Ingest end to end with real Chroma in tmp_path and the fake embedder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from docqa.settings import Settings
from ingest.embed import load_embedder
from ingest.pipeline import IngestBusyError, run_ingest
from ingest.store import IndexMismatchError, IndexUnavailableError, NoIndexError, open_store
from tests.support.embedders import SLOW, FakeEmbedder


def ingest(settings: Settings, corpus: Path, rebuild: bool = False):  # type: ignore[no-untyped-def]
    return run_ingest(settings, lambda: load_embedder(settings), corpus, rebuild)


def indexed_pages(settings: Settings) -> dict[str, int]:
    _, collection = open_store(settings).open_current()
    metas = collection.get(include=["metadatas"])["metadatas"] or []
    counts: dict[str, int] = {}
    for meta in metas:
        counts[str(meta["page_id"])] = counts.get(str(meta["page_id"]), 0) + 1
    return counts


def test_first_ingest_indexes_all_pages(settings: Settings, corpus: Path) -> None:
    report = ingest(settings, corpus)
    ids = {p.stem for p in corpus.glob("*.md")}
    assert set(report.added) == ids and len(ids) == 16
    assert set(indexed_pages(settings)) == ids
    assert report.chunks == report.embedded_chunks == sum(indexed_pages(settings).values())
    info = open_store(settings).info()
    assert info is not None and info.model == settings.embed_model
    assert info.chunker.startswith("v") and len(info.corpus_checksum) == 64


def test_second_ingest_embeds_nothing_and_loads_no_model(settings: Settings, corpus: Path) -> None:
    ingest(settings, corpus)

    def must_not_load() -> FakeEmbedder:
        raise AssertionError("model loaded on a no-change ingest")

    report = run_ingest(settings, must_not_load, corpus)
    assert report.embedded_chunks == report.embedded_units == 0
    assert len(report.unchanged) == 16
    assert not (report.added or report.changed or report.removed)


def test_edit_one_page_reembeds_only_it(settings: Settings, corpus: Path) -> None:
    ingest(settings, corpus)
    before = indexed_pages(settings)
    page = corpus / "kms-in-comprehend.md"
    page.write_text(page.read_text() + '\n\n## Added section<a name="added"></a>\n\nNew text.\n')
    report = ingest(settings, corpus)
    assert report.changed == ["kms-in-comprehend"] and not report.added
    after = indexed_pages(settings)
    assert report.embedded_chunks == after["kms-in-comprehend"]
    assert after["kms-in-comprehend"] == before["kms-in-comprehend"] + 1
    assert {k: v for k, v in after.items() if k != "kms-in-comprehend"} == {
        k: v for k, v in before.items() if k != "kms-in-comprehend"
    }


def test_deleted_page_loses_its_chunks(settings: Settings, corpus: Path) -> None:
    ingest(settings, corpus)
    (corpus / "tagging-resources.md").unlink()
    report = ingest(settings, corpus)
    assert report.removed == ["tagging-resources"]
    assert report.embedded_chunks == report.embedded_units == 0  # the others' units are reused
    assert "tagging-resources" not in indexed_pages(settings)
    assert len(indexed_pages(settings)) == 15


def test_revision_of_the_docs(settings: Settings, corpus: Path, revised_corpus: Path) -> None:
    ingest(settings, corpus)
    report = ingest(settings, revised_corpus)
    assert len(report.added) == 4 and len(report.removed) == 5
    assert len(report.changed) == 8 and len(report.unchanged) == 3
    assert set(indexed_pages(settings)) == {p.stem for p in revised_corpus.glob("*.md")}


def test_rebuild_starts_from_scratch_and_drops_old_builds(settings: Settings, corpus: Path) -> None:
    first = ingest(settings, corpus)
    second = ingest(settings, corpus, rebuild=True)
    third = ingest(settings, corpus, rebuild=True)
    assert second.embedded_chunks == first.chunks and third.build_id != second.build_id
    store = open_store(settings)
    assert store.current_id() == third.build_id
    assert store.builds() == [second.build_id, third.build_id]


def test_chunk_size_change_rechunks_everything(settings: Settings, corpus: Path) -> None:
    first = ingest(settings, corpus)
    report = ingest(settings.with_overrides(chunk_size=500), corpus)
    assert len(report.changed) == 16 and report.chunks > first.chunks


def test_lock_stops_a_second_ingest(settings: Settings, corpus: Path) -> None:
    settings.index_path.mkdir(parents=True)
    with FileLock(str(settings.index_path / "ingest.lock")), pytest.raises(IngestBusyError) as err:
        ingest(settings, corpus)
    assert "Another ingest is already running" in str(err.value)


def test_other_model_is_refused(settings: Settings, corpus: Path) -> None:
    ingest(settings, corpus)
    other = settings.with_overrides(embed_model="fake-other-384")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        open_store(other).open_current()
    with pytest.raises(IndexMismatchError):
        ingest(other, corpus)
    assert ingest(other, corpus, rebuild=True).embedded_chunks > 0


def test_no_index_and_damaged_index(settings: Settings, corpus: Path) -> None:
    with pytest.raises(NoIndexError, match="docqa ingest"):
        open_store(settings).open_current()
    report = ingest(settings, corpus)
    shutil.rmtree(open_store(settings).build_dir(report.build_id))
    with pytest.raises(IndexUnavailableError, match="--rebuild"):
        open_store(settings).open_current()
    assert ingest(settings, corpus, rebuild=True).chunks == report.chunks


def test_bad_inputs_are_reported_and_the_rest_indexed(
    settings: Settings, fixture_pages: Path
) -> None:
    (fixture_pages / "empty.md").write_text("  \n")
    (fixture_pages / "latin1.md").write_bytes(
        "# Caf\xe9 notes\n\nCaf\xe9 cr\xe8me.\n".encode("cp1252")
    )
    (fixture_pages / "binary.md").write_bytes(b"\x00\x05\x16\x07Mac OS X\x00\x00" * 50)
    (fixture_pages / "huge.md").write_text("# Huge\n\n" + ("lorem ipsum dolor " * 300_000))
    (fixture_pages / "notes.txt").write_text("not a page")
    (fixture_pages / "copy.md").write_bytes((fixture_pages / "widget-rotation.md").read_bytes())
    report = ingest(settings, fixture_pages)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["empty.md"] == "empty page"
    assert reasons["binary.md"].startswith("binary file")
    assert reasons["huge.md"].startswith("too large (5.4 MB")
    assert reasons["notes.txt"].startswith("not a Markdown")
    assert reasons["widget-rotation.md"] == "byte-identical copy of copy"
    assert any(w.startswith("latin1.md: not UTF-8") for w in report.warnings)
    assert any(w.startswith("no-heading: no heading") for w in report.warnings)
    pages = indexed_pages(settings)
    assert {"latin1", "no-heading", "widget-encryption"} <= set(pages)
    _, collection = open_store(settings).open_current()
    got = collection.get(where={"page_id": "latin1"}, include=["documents"])
    assert "Café crème." in (got["documents"] or [""])[0]
    bigger = settings.with_overrides(max_page_bytes=10_000_000)
    assert "huge" in ingest(bigger, fixture_pages).added


def _cli(settings: Settings, *args: str, model: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DOCQA_DATA_DIR": str(settings.data_dir), "DOCQA_EMBED_MODEL": model}
    env["DOCQA_EMBED_BACKEND"] = settings.embed_backend
    command = [sys.executable, "-m", "docqa", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_9_during_ingest_loses_nothing(settings: Settings, corpus: Path, wait_for) -> None:  # type: ignore[no-untyped-def]
    slow = settings.with_overrides(embed_backend=SLOW)
    first = ingest(slow, corpus)
    old = indexed_pages(slow)
    for page in corpus.glob("*.md"):
        page.write_text(page.read_text() + "\n\nEdited.\n")
    proc = _cli(slow, "ingest", "--corpus", str(corpus), "--quiet", model=slow.embed_model)
    store = open_store(slow)
    try:
        # The state, not a guess of its timing: a new build has begun (its chunks then take
        # seconds to embed); the ingest is frozen there, so nothing below races it.
        wait_for(
            lambda: proc.poll() is not None or store.builds() != [first.build_id],
            "the new build to begin",
        )
        os.kill(proc.pid, signal.SIGSTOP)
        assert proc.poll() is None, "ingest finished before it could be stopped"
        assert store.current_id() == first.build_id, "the new build is not published yet"
        assert indexed_pages(slow) == old, "old index must answer while the new one is built"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert store.current_id() == first.build_id
    assert indexed_pages(slow) == old
    report = ingest(slow, corpus)
    assert len(report.changed) == 16
    assert store.builds() == [first.build_id, report.build_id], "the half build is pruned"
    assert set(indexed_pages(slow)) == set(old)
