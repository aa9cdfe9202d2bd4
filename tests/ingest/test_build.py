"""A build's answer units and neighbour headings, through ingest and `open_build`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus.discover import FolderNotFoundError
from docqa.settings import Settings
from ingest.build import OpenedBuild, open_build, saved_chunks
from ingest.models import Chunk, IngestReport
from ingest.neighbour_headings import FILE, Neighbours
from ingest.pipeline import run_ingest
from ingest.store import open_store
from ingest.units import RECORDS, VECTORS, UnitIndex, chunk_units, chunk_vectors, embed_texts
from tests.support.embedders import FakeEmbedder

Vectors = np.ndarray[Any, np.dtype[np.float32]]

GADGET_GUIDE = """# Gadget guide<a name="gadget-guide"></a>

What this guide covers\\.

## Cleaning gadgets<a name="gadget-clean"></a>

Wipe the case with a dry cloth\\.

## Storing gadgets<a name="gadget-store"></a>

Keep them somewhere cool\\.
"""

SPROCKET_NOTES = """# Sprocket notes<a name="sprocket-notes"></a>

## Oiling sprockets<a name="sprocket-oil"></a>

Oil them every month\\.
"""


class Recorder(FakeEmbedder):
    """The fake model, remembering every text it embedded."""

    def __init__(self, name: str = "fake-hash-384") -> None:
        super().__init__(name)
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return super().encode(texts)


def ingest(settings: Settings, pages: Path) -> tuple[IngestReport, Recorder]:
    model = Recorder(settings.embed_model)
    return run_ingest(settings, lambda: model, pages), model


def chunks_in(folder: Path) -> dict[str, Chunk]:
    """The chunks saved beside a build, by id."""
    return {c.id: c for c in saved_chunks(folder) or []}


def build_folder(settings: Settings) -> Path:
    store = open_store(settings)
    build_id = store.current_id()
    assert build_id is not None
    return store.reading_dir(build_id)


def opened(settings: Settings) -> tuple[OpenedBuild, Recorder]:
    model = Recorder(settings.embed_model)
    return open_build(settings, open_store(settings), model.encode), model


def neighbour_folder(root: Path, *pages: tuple[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in pages:
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_ingest_saves_units_beside_the_build(settings: Settings, fixture_pages: Path) -> None:
    report, model = ingest(settings, fixture_pages)
    folder = build_folder(settings)
    assert (folder / RECORDS).is_file() and (folder / VECTORS).is_file()
    units = UnitIndex.load(folder)
    assert units is not None and len(units.units) == len(units.vectors) > report.chunks
    texts = embed_texts(units.units, chunks_in(folder))
    assert report.embedded_units == len(set(texts)) and set(texts) <= set(model.texts)
    assert np.allclose(units.vectors, FakeEmbedder().encode(texts), atol=1e-6)


def test_chunk_vectors_in_chroma_are_made_from_the_units(
    settings: Settings, fixture_pages: Path
) -> None:
    _, model = ingest(settings, fixture_pages)
    units = UnitIndex.load(build_folder(settings))
    assert units is not None
    build, _ = opened(settings)
    chunk_texts = {c.embed_text for c in build.chunks.values()}
    assert not chunk_texts & set(model.texts)  # the model never reads a whole chunk
    got = build.collection.get(include=["embeddings"])
    stored = dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    chunks = [build.chunks[cid] for cid in sorted(stored)]
    known = dict(zip(embed_texts(units.units, build.chunks), units.vectors, strict=True))
    expected, embedded = chunk_vectors(chunks, known, model.encode)
    assert embedded == 0 and len(chunks) == len(build.chunks) > 1
    assert np.allclose(np.vstack([stored[c.id] for c in chunks]), expected, atol=1e-6)


def test_open_build_reads_chunks_bm25_and_units(settings: Settings, fixture_pages: Path) -> None:
    report, _ = ingest(settings, fixture_pages)
    build, model = opened(settings)
    assert model.texts == []  # everything was made at ingest
    assert build.info.build_id == report.build_id and len(build.chunks) == report.chunks
    assert set(build.units.rows_by_chunk()) == set(build.chunks)
    assert sorted(build.lexical.ids) == sorted(build.chunks)
    best = build.lexical.search("widget:Decrypt permission", 1)
    assert best and build.chunks[best[0][0]].page_id == "widget-encryption"
    assert build.neighbours is None


def test_open_build_remakes_missing_units_and_saves_them(
    settings: Settings, fixture_pages: Path
) -> None:
    ingest(settings, fixture_pages)
    folder = build_folder(settings)
    before = UnitIndex.load(folder)
    assert before is not None
    (folder / RECORDS).unlink()
    build, model = opened(settings)
    assert len(set(model.texts)) == len(set(embed_texts(before.units, build.chunks))) > 0
    assert build.units.units == before.units
    assert np.allclose(build.units.vectors, before.vectors, atol=1e-6)
    again = UnitIndex.load(folder)
    assert again is not None and again.units == before.units
    assert opened(settings)[1].texts == []


def test_editing_one_page_embeds_only_its_units(settings: Settings, corpus: Path) -> None:
    first, _ = ingest(settings, corpus)
    page = corpus / "kms-in-comprehend.md"
    page.write_text(page.read_text() + '\n\n## Gadget keys<a name="gadget-keys"></a>\n\nNew.\n')
    report, model = ingest(settings, corpus)
    assert report.changed == ["kms-in-comprehend"]
    build, _ = opened(settings)
    page_units = [u for u in build.units.units if u.chunk_id.startswith("kms-in-comprehend::")]
    page_texts = set(embed_texts(page_units, build.chunks))
    assert set(model.texts) <= page_texts
    assert 0 < report.embedded_units <= len(page_texts) < first.embedded_units


def test_neighbours_are_built_recorded_and_reused(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    copy = (fixture_pages / "widget-rotation.md").read_text()
    near = neighbour_folder(tmp_path / "near", ("gadgets.md", GADGET_GUIDE), ("copy.md", copy))
    with_near = settings.model_copy(update={"neighbours_dir": near})
    report, _ = ingest(with_near, fixture_pages)
    saved = Neighbours.load(build_folder(with_near))
    assert saved is not None and set(saved.pages) == {"gadgets"}
    assert report.neighbour_headings == len(saved.headings) == 3
    assert report.embedded_headings == 3
    info = open_store(with_near).info()
    assert info is not None and info.neighbours == str(near)
    build, model = opened(with_near)
    assert build.neighbours is not None and build.neighbours.headings == saved.headings
    assert model.texts == []

    def must_not_load() -> FakeEmbedder:
        raise AssertionError("model loaded on a no-change ingest")

    again = run_ingest(with_near, must_not_load, fixture_pages)
    assert again.build_id == report.build_id and again.embedded_chunks == 0


def test_changing_the_neighbours_folder_builds_anew_without_reembedding_chunks(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    near = neighbour_folder(tmp_path / "near", ("gadgets.md", GADGET_GUIDE))
    other = neighbour_folder(tmp_path / "other", ("sprockets.md", SPROCKET_NOTES))
    first, _ = ingest(settings.model_copy(update={"neighbours_dir": near}), fixture_pages)

    with_other = settings.model_copy(update={"neighbours_dir": other})
    report, model = ingest(with_other, fixture_pages)
    assert report.build_id != first.build_id
    assert (report.embedded_chunks, report.embedded_units, report.chunks) == (0, 0, first.chunks)
    assert report.neighbour_headings == report.embedded_headings == 2
    assert sorted(model.texts) == ["Sprocket notes", "Sprocket notes > Oiling sprockets"]
    saved = Neighbours.load(build_folder(with_other))
    assert saved is not None and set(saved.pages) == {"sprockets"}

    without = settings.model_copy(update={"neighbours_dir": None})
    last, model = ingest(without, fixture_pages)
    assert last.build_id != report.build_id and model.texts == []
    assert (last.embedded_chunks, last.neighbour_headings) == (0, 0)
    assert not (build_folder(without) / FILE).exists()
    info = open_store(without).info()
    assert info is not None and info.neighbours == ""
    assert opened(without)[0].neighbours is None


def test_open_build_remakes_missing_neighbours_from_the_recorded_folder(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    near = neighbour_folder(tmp_path / "near", ("gadgets.md", GADGET_GUIDE))
    with_near = settings.model_copy(update={"neighbours_dir": near})
    ingest(with_near, fixture_pages)
    saved = Neighbours.load(build_folder(with_near))
    assert saved is not None
    (build_folder(with_near) / FILE).unlink()
    build, _ = opened(settings)  # the folder comes from the build, not from the settings
    assert build.neighbours is not None and build.neighbours.headings == saved.headings
    assert np.allclose(build.neighbours.vectors, saved.vectors, atol=1e-6)


def test_a_neighbour_heading_the_index_has_is_left_out(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    title = "Encrypting widgets at rest in Example Service"
    page = (
        f'# {title}<a name="w"></a>\n\n## Granting access<a name="g"></a>\n\nOther words\\.\n\n'
        '## Polishing widgets<a name="p"></a>\n\nUse a soft cloth\\.\n'
    )
    near = neighbour_folder(tmp_path / "near", ("widget-encryption-2019.md", page))
    with_near = settings.model_copy(update={"neighbours_dir": near})
    report, _ = ingest(with_near, fixture_pages)
    saved = Neighbours.load(build_folder(with_near))
    assert saved is not None and saved.headings == (f"{title} > Polishing widgets",)
    assert report.neighbour_headings == 1


def test_a_page_added_to_the_neighbours_folder_is_picked_up(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    near = neighbour_folder(tmp_path / "near", ("gadgets.md", GADGET_GUIDE))
    with_near = settings.model_copy(update={"neighbours_dir": near})
    ingest(with_near, fixture_pages)
    (near / "sprockets.md").write_text(SPROCKET_NOTES, encoding="utf-8")
    report, _ = ingest(with_near, fixture_pages)
    saved = Neighbours.load(build_folder(with_near))
    assert saved is not None and "sprockets" in saved.pages
    assert report.neighbour_headings == 5


def test_a_missing_neighbours_folder_is_named_as_such(
    settings: Settings, fixture_pages: Path, tmp_path: Path
) -> None:
    missing = settings.model_copy(update={"neighbours_dir": tmp_path / "no-such-folder"})
    with pytest.raises(FolderNotFoundError) as err:
        ingest(missing, fixture_pages)
    assert "neighbour" in str(err.value).lower() and "--corpus" not in str(err.value)


def test_units_cover_every_chunk(settings: Settings, fixture_pages: Path) -> None:
    ingest(settings, fixture_pages)
    build, _ = opened(settings)
    for chunk_id, rows in build.units.rows_by_chunk().items():
        got = [build.units.units[r] for r in rows]
        assert got == chunk_units(build.chunks[chunk_id])
