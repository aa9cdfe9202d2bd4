"""Choosing the pages to evaluate on: the configured index, or folders indexed aside."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.discover import FolderNotFoundError
from docqa.settings import Settings
from eval.corpora import CorpusFoldersError, link_tree, page_files, resolve_corpus


@pytest.fixture
def two_folders(tmp_path: Path, fixture_pages: Path) -> tuple[Path, Path]:
    first = tmp_path / "alpha"
    shutil.copytree(fixture_pages, first)
    second = tmp_path / "beta" / "guide"
    second.mkdir(parents=True)
    shutil.copy(fixture_pages / "widget-encryption.md", second / "widget-encryption.md")
    (tmp_path / "beta" / "notes.txt").write_text("not a page")
    return first, tmp_path / "beta"


def test_several_folders_get_ids_prefixed_by_folder_name(two_folders: tuple[Path, Path]) -> None:
    files = page_files(list(two_folders))
    assert sorted(files) == [
        "alpha/no-heading",
        "alpha/widget-encryption",
        "alpha/widget-rotation",
        "beta/guide/widget-encryption",
    ]
    assert page_files([two_folders[0]]).keys() == {
        "no-heading",
        "widget-encryption",
        "widget-rotation",
    }


def test_folders_with_the_same_name_or_missing_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a" / "pages").mkdir(parents=True)
    (tmp_path / "b" / "pages").mkdir(parents=True)
    with pytest.raises(CorpusFoldersError, match="distinct names"):
        page_files([tmp_path / "a" / "pages", tmp_path / "b" / "pages"])
    with pytest.raises(FolderNotFoundError, match="does not exist"):
        page_files([tmp_path / "nope"])


def test_link_tree_mirrors_ids_with_symlinks(tmp_path: Path, two_folders) -> None:  # type: ignore[no-untyped-def]
    files = page_files(list(two_folders))
    tree = link_tree(files, tmp_path / "tree")
    link = tree / "beta" / "guide" / "widget-encryption.md"
    assert (
        link.is_symlink()
        and link.read_bytes() == files["beta/guide/widget-encryption"].read_bytes()
    )
    (tree / "stale.md").write_text("old")
    link_tree(files, tmp_path / "tree")
    assert not (tree / "stale.md").exists()


def test_default_is_the_configured_index(settings: Settings, fixture_pages: Path) -> None:
    configured = settings.with_overrides(corpus_dir=fixture_pages)
    corpus = resolve_corpus(configured)
    assert not corpus.separate_index and corpus.settings is configured
    assert corpus.folder == fixture_pages and len(corpus.checksum) == 64


def test_given_folders_get_their_own_index_keyed_by_content(
    settings: Settings, two_folders: tuple[Path, Path]
) -> None:
    one = resolve_corpus(settings, [two_folders[0]])
    assert one.separate_index and one.folder == two_folders[0]
    assert one.settings.index_path != settings.index_path
    assert one.settings.index_path.is_relative_to(settings.data_dir / "cache" / "eval")
    both = resolve_corpus(settings, list(two_folders))
    assert both.folder == both.settings.index_path.parent / "pages"
    assert (both.folder / "alpha" / "widget-rotation.md").is_symlink()
    assert both.checksum != one.checksum
    assert (
        resolve_corpus(settings, list(two_folders)).settings.index_path == both.settings.index_path
    )
    (two_folders[0] / "widget-rotation.md").write_text("# Changed\n\nNew words.\n")
    assert resolve_corpus(settings, list(two_folders)).checksum != both.checksum


def test_a_page_in_two_folders_is_indexed_from_the_folder_named_first(
    settings: Settings, two_folders: tuple[Path, Path]
) -> None:
    alpha, beta = two_folders
    first = resolve_corpus(settings, [alpha, beta]).folder
    assert (first / "alpha" / "widget-encryption.md").is_symlink()
    assert not (first / "beta" / "guide" / "widget-encryption.md").exists()
    other = resolve_corpus(settings, [beta, alpha]).folder
    assert (other / "beta" / "guide" / "widget-encryption.md").is_symlink()
    assert not (other / "alpha" / "widget-encryption.md").exists()
    assert (other / "alpha" / "widget-rotation.md").is_symlink()  # pages with no copy stay
