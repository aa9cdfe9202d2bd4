"""Opening a build for reading: from the files ingest saved beside it, without Chroma; from
Chroma when those files are missing or damaged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.lexicon import Lexicon
from docqa.settings import Settings
from ingest.build import CHUNKS_FILE, INFO_FILE, open_build, read_chunks
from ingest.pipeline import run_ingest
from ingest.store import OLD_READING, READING, IndexMismatchError, open_store
from ingest.store_embedded import EmbeddedStore
from tests.support.embedders import FakeEmbedder


def ingest(settings: Settings, pages: Path) -> None:
    run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), pages)


def in_chroma(settings: Settings) -> tuple[object, list[object]]:
    info, collection = open_store(settings).open_current()
    return info, list(read_chunks(collection))


class NoChroma(EmbeddedStore):
    """A store whose Chroma cannot be opened: opening a build must not need it."""

    def open(self, build_id: str):  # type: ignore[no-untyped-def]
        raise AssertionError("Chroma opened")


def test_a_local_build_opens_from_its_files_as_chroma_holds_it(
    settings: Settings, fixture_pages: Path
) -> None:
    ingest(settings, fixture_pages)
    info, chunks = in_chroma(settings)
    build = open_build(settings, NoChroma(settings), FakeEmbedder().encode)
    assert build.info == info
    assert list(build.chunks.values()) == chunks
    assert build.idf == Lexicon.of(c.lexical_text for c in chunks).idf  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="Chroma opened"):
        build.collection  # noqa: B018 (opened on first use only)


def test_saved_chunks_follow_an_incremental_ingest(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    pages = tmp_path / "mine"
    shutil.copytree(fixture_pages, pages)
    ingest(settings, pages)
    changed = sorted(pages.glob("*.md"))
    changed[0].write_text(changed[0].read_text() + "\n\nA sentence added later.\n")
    changed[1].unlink()
    ingest(settings, pages)
    _, chunks = in_chroma(settings)
    build = open_build(settings, NoChroma(settings), FakeEmbedder().encode)
    assert list(build.chunks.values()) == chunks
    assert any("added later" in c.text for c in build.chunks.values())
    assert changed[1].stem not in {c.page_id for c in build.chunks.values()}


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_damaged_or_missing_files_fall_back_to_chroma(
    settings: Settings, fixture_pages: Path, damage: str
) -> None:
    ingest(settings, fixture_pages)
    store = open_store(settings)
    folder = store.reading_dir(store.require_current())
    if damage == "missing":
        (folder / INFO_FILE).unlink()
    else:
        (folder / CHUNKS_FILE).write_text("{not json\n")
    info, chunks = in_chroma(settings)
    build = open_build(settings, store, FakeEmbedder().encode)
    assert build.info == info and list(build.chunks.values()) == chunks
    assert build.collection.count() == len(chunks)


def test_a_build_made_with_the_old_folder_name_opens_from_its_files(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    """Builds made before the folder was renamed keep `lexical/`: they open from it, without
    Chroma, and the next ingest reuses what they saved and writes `reading/`."""
    pages = tmp_path / "mine"
    shutil.copytree(fixture_pages, pages)
    ingest(settings, pages)
    store = open_store(settings)
    build_id = store.require_current()
    new = store.reading_dir(build_id)
    assert new.name == READING and (new / INFO_FILE).is_file()
    new.rename(new.with_name(OLD_READING))
    assert store.reading_dir(build_id) == new.with_name(OLD_READING)
    info, chunks = in_chroma(settings)
    build = open_build(settings, NoChroma(settings), FakeEmbedder().encode)
    assert build.info == info and list(build.chunks.values()) == chunks
    changed = sorted(pages.glob("*.md"))[0]
    changed.write_text(changed.read_text() + "\n\nA sentence added later.\n")
    report = run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), pages)
    assert report.embedded_units == 1, "the unchanged pages' units come from lexical/"
    assert store.reading_dir(report.build_id).name == READING


def test_the_saved_model_is_checked_without_chroma(settings: Settings, fixture_pages: Path) -> None:
    ingest(settings, fixture_pages)
    other = settings.model_copy(update={"embed_model": "fake-other-384"})
    with pytest.raises(IndexMismatchError, match="fake-other-384"):
        open_build(other, NoChroma(other), FakeEmbedder().encode)
