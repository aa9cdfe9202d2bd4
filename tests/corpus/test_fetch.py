"""Obtaining the pinned pages: copy, download (faked), checksums, idempotence, no network."""

from __future__ import annotations

import urllib.error
from pathlib import Path

import pytest

from corpus.fetch import CorpusError, fetch
from corpus.manifest import load_manifest

MANIFEST = load_manifest()


def test_manifest_pins_16_pages() -> None:
    assert len(MANIFEST.pages) == 16 and len(MANIFEST.commit) == 40
    for page in MANIFEST.pages:
        assert page.raw_url.startswith("https://raw.githubusercontent.com/awsdocs/")
        assert MANIFEST.commit in page.raw_url and page.raw_url.endswith(f"/{page.id}.md")
        assert page.url == f"https://docs.aws.amazon.com/comprehend/latest/dg/{page.id}.html"
        assert len(page.sha256) == 64


def test_copy_from_folder_is_idempotent(tmp_path: Path, security_corpus: Path) -> None:
    dest = tmp_path / "pages"
    first = fetch(MANIFEST, dest, security_corpus)
    assert len(first.fetched) == 16 and not first.unchanged
    second = fetch(MANIFEST, dest, security_corpus)
    assert not second.fetched and len(second.unchanged) == 16


def test_damaged_page_is_fetched_again(tmp_path: Path, security_corpus: Path) -> None:
    dest = tmp_path / "pages"
    fetch(MANIFEST, dest, security_corpus)
    (dest / "kms-in-comprehend.md").write_text("tampered")
    assert fetch(MANIFEST, dest, security_corpus).fetched == ["kms-in-comprehend"]


def test_download_checks_checksums(tmp_path: Path, security_corpus: Path) -> None:
    def get(url: str) -> bytes:
        return (security_corpus / url.rsplit("/", 1)[-1]).read_bytes()

    assert len(fetch(MANIFEST, tmp_path / "a", get=get).fetched) == 16
    with pytest.raises(CorpusError, match="Checksum mismatch"):
        fetch(MANIFEST, tmp_path / "b", get=lambda url: b"# Not the page\n")


def test_no_network_and_no_source_says_what_to_do(tmp_path: Path) -> None:
    def offline(url: str) -> bytes:
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(CorpusError) as err:
        fetch(MANIFEST, tmp_path / "pages", get=offline)
    assert "--from DIR" in str(err.value) and "DOCQA_CORPUS_SOURCE" in str(err.value)


def test_wrong_folder_is_refused(tmp_path: Path, revised_corpus: Path) -> None:
    with pytest.raises(CorpusError):
        fetch(MANIFEST, tmp_path / "pages", revised_corpus)
    with pytest.raises(CorpusError, match="not a folder"):
        fetch(MANIFEST, tmp_path / "pages", tmp_path / "missing")
