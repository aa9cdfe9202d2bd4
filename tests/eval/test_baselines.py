"""The baselines: BM25 over docqa's chunks, and the LangChain tutorial pipeline."""

from __future__ import annotations

import hashlib
import shutil
from itertools import count
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.models import Claim
from app.scope import ScopeError
from eval.baselines import Bm25Baseline, LangChainTutorial
from ingest.models import Chunk
from tests.support.embedders import FakeEmbedder


def chunk(cid: str, text: str, section: str = "Overview") -> Chunk:
    page, ordinal = cid.split("::")
    return Chunk(
        cid, page, int(ordinal), f"Widget {page}", section, section.lower(),
        (f"Widget {page}", section), text, f"https://x/{page}", f"sha-{page}",
    )  # fmt: skip


CHUNKS = {
    "enc::0": chunk("enc::0", "Widgets are encrypted with AES-256 keys from KMS."),
    "enc::1": chunk("enc::1", "Encryption of widget backups uses the same key."),
    "rot::0": chunk("rot::0", "Widget keys rotate yearly; rotation is automatic."),
    "log::0": chunk("log::0", "Widget calls are logged."),
}


def test_bm25_answers_with_the_top_chunk_and_cites_top_k_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = (100 + 0.25 * tick for tick in count())  # a quarter of a second between readings
    monkeypatch.setattr("eval.baselines.time", SimpleNamespace(perf_counter=lambda: next(clock)))
    bm25 = Bm25Baseline(CHUNKS, {"enc": "e", "rot": "r", "log": "l"}, k=2)
    reply = bm25.ask("how are widgets encrypted with AES-256", history=["ignored"])
    assert reply.text == CHUNKS["enc::0"].text
    assert reply.claims == (Claim(CHUNKS["enc::0"].text, ("enc",)),)
    assert not reply.refused
    assert reply.retrieved_pages[0] == "enc"
    assert len(reply.retrieved_pages) == len(set(reply.retrieved_pages))
    assert reply.cited_pages == ("enc",)
    assert reply.timings_ms == {"retrieve": 250.0, "total": 250.0}, "milliseconds, measured"
    assert bm25.page_hashes() == {"enc": "e", "rot": "r", "log": "l"}
    nothing = bm25.ask("zebra giraffe", [])
    assert nothing.retrieved_pages == () and nothing.claims == () and nothing.text == ""


def test_bm25_searches_the_heading_path_as_docqa_indexes_it() -> None:
    chunks = {
        "rot::0": chunk("rot::0", "Keys change every year.", section="Rotation schedule"),
        "log::0": chunk("log::0", "Calls are written to a trail.", section="Audit trail"),
    }
    reply = Bm25Baseline(chunks, {}, k=1).ask("rotation schedule", [])
    assert reply.retrieved_pages[0] == "rot"
    assert reply.claims == (Claim("Keys change every year.", ("rot",)),)


def test_tutorial_reads_files_as_is_and_never_refuses(fixture_pages: Path) -> None:
    tutorial = LangChainTutorial(fixture_pages, FakeEmbedder(), k=2)
    try:
        assert tutorial.chunks >= 3
        reply = tutorial.ask("How often are widget keys rotated?", history=[])
        assert not reply.refused and reply.text
        assert set(reply.retrieved_pages) <= {"no-heading", "widget-encryption", "widget-rotation"}
        assert 1 <= len(reply.cited_pages) <= 2
        (claim,) = reply.claims
        assert claim == Claim(reply.text, reply.retrieved_pages[:1])
        hashes = tutorial.page_hashes()
        data = (fixture_pages / "widget-rotation.md").read_bytes()
        assert hashes["widget-rotation"] == hashlib.sha256(data).hexdigest()
        folder = Path(tutorial._tmp.name)
        assert folder.is_dir()
    finally:
        tutorial.close()
    assert not folder.exists()


def test_bm25_in_one_guide_ranks_that_guide_only() -> None:
    chunks = {
        "a/enc::0": chunk("a/enc::0", "Widgets are encrypted with AES-256 keys from KMS."),
        "b/enc::0": chunk("b/enc::0", "Widgets are encrypted with AES-256 keys, AES-256 only."),
        "b/log::0": chunk("b/log::0", "Widget calls are logged."),
    }
    question = "how are widgets encrypted with AES-256"
    assert Bm25Baseline(chunks, {}).ask(question, []).retrieved_pages[0] == "b/enc"
    inside = Bm25Baseline(chunks, {}, scope="a").ask(question, [])
    assert inside.retrieved_pages == ("a/enc",) and inside.cited_pages == ("a/enc",)
    with pytest.raises(ScopeError, match="no guide 'c'"):
        Bm25Baseline(chunks, {}, scope="c")


def test_tutorial_in_one_guide_searches_that_guide_only(
    tmp_path: Path, fixture_pages: Path
) -> None:
    shutil.copytree(fixture_pages, tmp_path / "one")
    shutil.copytree(fixture_pages, tmp_path / "two")
    tutorial = LangChainTutorial(tmp_path, FakeEmbedder(), k=2, scope="two")
    try:
        reply = tutorial.ask("How often are widget keys rotated?", history=[])
        assert reply.retrieved_pages and all(p.startswith("two/") for p in reply.retrieved_pages)
        assert len(reply.retrieved_pages) == len(set(reply.retrieved_pages)) >= 2
    finally:
        tutorial.close()
    with pytest.raises(ScopeError, match="no guide 'three'"):
        LangChainTutorial(tmp_path, FakeEmbedder(), scope="three")
