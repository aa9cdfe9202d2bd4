"""The baselines: BM25 over docqa's chunks, and the LangChain tutorial pipeline."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.models import Passage
from eval.baselines import Bm25Baseline, LangChainTutorial
from ingest.embed import FakeEmbedder


def passage(cid: str, page: str, text: str) -> Passage:
    return Passage(cid, page, page, page, page, f"https://x/{page}", text, page.title())


PASSAGES = {
    "enc::0": passage("enc::0", "enc", "Widgets are encrypted with AES-256 keys from KMS."),
    "enc::1": passage("enc::1", "enc", "Encryption of widget backups uses the same key."),
    "rot::0": passage("rot::0", "rot", "Widget keys rotate yearly; rotation is automatic."),
    "log::0": passage("log::0", "log", "Widget calls are logged."),
}


def test_bm25_answers_with_the_top_chunk_and_cites_top_k_pages() -> None:
    bm25 = Bm25Baseline(PASSAGES, {"enc": "e", "rot": "r", "log": "l"}, k=2)
    reply = bm25.ask("how are widgets encrypted with AES-256", history=["ignored"])
    assert reply.text == PASSAGES["enc::0"].text
    assert not reply.refused
    assert reply.retrieved_pages[0] == "enc"
    assert len(reply.retrieved_pages) == len(set(reply.retrieved_pages))
    assert reply.cited_pages == ("enc",)
    assert reply.timings_ms["total"] >= 0
    assert bm25.page_hashes() == {"enc": "e", "rot": "r", "log": "l"}
    assert bm25.ask("zebra giraffe", []).retrieved_pages == ()


def test_tutorial_reads_files_as_is_and_never_refuses(fixture_pages: Path) -> None:
    tutorial = LangChainTutorial(fixture_pages, FakeEmbedder(), k=2)
    try:
        assert tutorial.chunks >= 3
        reply = tutorial.ask("How often are widget keys rotated?", history=[])
        assert not reply.refused and reply.text
        assert set(reply.retrieved_pages) <= {"no-heading", "widget-encryption", "widget-rotation"}
        assert 1 <= len(reply.cited_pages) <= 2
        hashes = tutorial.page_hashes()
        data = (fixture_pages / "widget-rotation.md").read_bytes()
        assert hashes["widget-rotation"] == hashlib.sha256(data).hexdigest()
        folder = Path(tutorial._tmp.name)
        assert folder.is_dir()
    finally:
        tutorial.close()
    assert not folder.exists()
