"""Obtaining the neighbouring guides: copy, download (a fake archive), checksums, idempotence."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from corpus.fetch import CorpusError
from corpus.guides import Guide, fetch_guide, fetch_neighbours, load_guides, pages_checksum


def test_the_manifest_pins_five_guides() -> None:
    guides = load_guides()
    assert len(guides) == 5 and sum(g.pages for g in guides) == 1629
    for g in guides:
        assert len(g.commit) == 40 and len(g.checksum) == 64
        assert g.archive_url == f"https://codeload.github.com/{g.repository}/tar.gz/{g.commit}"


def test_copying_the_shared_guides_is_checked_and_idempotent(
    tmp_path: Path, aws_guides: Path
) -> None:
    first = fetch_neighbours(tmp_path / "n", aws_guides)
    assert len(first.fetched) == 5 and not first.unchanged
    kms = tmp_path / "n" / "kms-developer-guide"
    assert len(list(kms.glob("*.md"))) == 219
    assert not list((tmp_path / "n" / "iam-user-guide").glob("._*")), "no macOS resource forks"
    assert fetch_neighbours(tmp_path / "n", aws_guides).unchanged == first.fetched
    next(kms.glob("*.md")).write_text("tampered")
    assert fetch_neighbours(tmp_path / "n", aws_guides).fetched == ["kms-developer-guide"]


def archive(pages: dict[str, str]) -> bytes:
    """A repository archive as GitHub serves it: one top folder, pages under doc_source/."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in {**pages, "README.md": "not a page"}.items():
            data = text.encode()
            path = f"repo-abc/doc_source/{name}" if name != "README.md" else f"repo-abc/{name}"
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def guide_of(folder: Path, pages: dict[str, str]) -> Guide:
    folder.mkdir()
    for name, text in pages.items():
        (folder / name).write_text(text)
    return Guide(
        "widgets", "acme/widgets", "c" * 40, len(pages), pages_checksum(folder), "https://x/a"
    )


def test_a_download_keeps_the_doc_source_pages_and_checks_them(tmp_path: Path) -> None:
    pages = {"a.md": "# A\n\nAlpha.\n", "b.md": "# B\n\nBeta.\n"}
    guide = guide_of(tmp_path / "expected", pages)
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        return archive(pages)

    assert fetch_guide(guide, tmp_path / "dest", None, get)
    assert sorted(p.name for p in (tmp_path / "dest" / "widgets").iterdir()) == ["a.md", "b.md"]
    assert asked == ["https://x/a"]
    assert not fetch_guide(guide, tmp_path / "dest", None, get) and len(asked) == 1


def test_a_wrong_or_failed_download_leaves_nothing_half_made(tmp_path: Path) -> None:
    guide = guide_of(tmp_path / "expected", {"a.md": "# A\n"})
    with pytest.raises(CorpusError, match="not the pinned ones"):
        fetch_guide(guide, tmp_path / "dest", None, lambda url: archive({"a.md": "# Changed\n"}))

    def offline(url: str) -> bytes:
        raise OSError("network is unreachable")

    with pytest.raises(CorpusError, match="--neighbours-from"):
        fetch_guide(guide, tmp_path / "dest", None, offline)
    assert not (tmp_path / "dest" / "widgets").exists()
    assert [p.name for p in (tmp_path / "dest").iterdir() if not p.name.startswith(".")] == []


def test_a_source_without_the_guide_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="is not a folder"):
        fetch_neighbours(tmp_path / "dest", tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="is missing"):
        fetch_neighbours(tmp_path / "dest", tmp_path / "empty")
