"""Paths cannot escape the configured folders: corpus links, page ids, fetch targets, the
eval `latest` pointer and the index pointer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.discover import discover
from corpus.fetch import fetch
from corpus.manifest import MANIFEST_PATH, load_manifest
from docqa.cli import cli
from docqa.settings import Settings
from eval.results import latest_run
from ingest.sources import scan
from tests.support.embedders import FAKE

NAME = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\\x00"),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the corpus holding things a corpus must not reach."""
    folder = tmp_path / "outside"
    (folder / "notes").mkdir(parents=True)
    (folder / "credentials").write_text("aws_secret_access_key = not-a-real-key\n")
    (folder / "notes" / "private.md").write_text("# Private\n\nA private note.\n")
    (folder / "shared.md").write_text("# Shared page\n\nA page kept in another folder.\n")
    return folder


def test_links_out_of_the_corpus_are_skipped_and_reported(
    settings: Settings, fixture_pages: Path, outside: Path
) -> None:
    (fixture_pages / "keys.md").symlink_to(outside / "credentials")
    (fixture_pages / "notes").symlink_to(outside / "notes", target_is_directory=True)
    (fixture_pages / "gone.md").symlink_to(outside / "missing.md")
    (fixture_pages / "shared.md").symlink_to(outside / "shared.md")
    found = scan(fixture_pages, settings.max_page_bytes)
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons["keys.md"].startswith("link out of the corpus folder")
    assert reasons["notes"] == "link to a folder (not followed)"
    assert reasons["gone.md"] == "broken link"
    assert "shared" in {f.source.id for f in found.files}, "a linked Markdown page is read"
    ids = {f.source.id for f in found.files}
    assert "keys" not in ids and not any(i.startswith("notes") for i in ids)
    env = {
        "DOCQA_DATA_DIR": str(settings.data_dir),
        "DOCQA_EMBED_MODEL": settings.embed_model,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    result = CliRunner().invoke(cli, ["ingest", "--corpus", str(fixture_pages), "-q"], env=env)
    assert result.exit_code == 0, result.output
    assert "Skipped keys.md: link out of the corpus folder" in result.stderr
    assert "Skipped notes: link to a folder (not followed)" in result.stderr


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.tuples(NAME, NAME), min_size=1, max_size=6))
def test_page_ids_never_leave_the_corpus_folder(
    tmp_path: Path, names: list[tuple[str, str]]
) -> None:
    root = tmp_path / "corpus"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for folder, name in names:
        try:
            target = root / folder / f"{name}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("# Page\n\nText.\n")
        except OSError:
            continue  # a name the file system refuses (too long, `..` as a folder)
    pages, _ = discover(root)
    for page in pages:
        assert page.path.resolve().is_relative_to(root.resolve())
        assert (root / f"{page.id}.md").resolve() == page.path.resolve()
        assert all(part not in ("", ".", "..") for part in page.id.split("/")), page.id


def test_manifest_page_ids_must_be_plain_names(tmp_path: Path) -> None:
    data = json.loads(MANIFEST_PATH.read_text())
    for bad in ("../../etc/cron.d/evil", "/abs", "sub/page", ".hidden", "a\\b"):
        data["pages"][0]["id"] = bad
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(data))
        with pytest.raises(ValueError, match="not a plain file name"):
            load_manifest(path)


def test_fetch_replaces_links_at_the_destination_never_their_targets(
    tmp_path: Path, security_corpus: Path, outside: Path
) -> None:
    dest = tmp_path / "pages"
    dest.mkdir()
    page = load_manifest().pages[0].id
    (dest / f"{page}.md").symlink_to(outside / "credentials")
    (dest / f".{page}.md.tmp").symlink_to(outside / "shared.md")  # a planted temporary name
    before = {p.name: p.read_bytes() for p in outside.iterdir() if p.is_file()}
    report = fetch(load_manifest(), dest, security_corpus)
    assert page in report.fetched
    assert {p.name: p.read_bytes() for p in outside.iterdir() if p.is_file()} == before
    assert not (dest / f"{page}.md").is_symlink()
    assert (dest / f"{page}.md").read_bytes() == (security_corpus / f"{page}.md").read_bytes()


def test_eval_latest_pointer_cannot_lead_outside(tmp_path: Path) -> None:
    runs, elsewhere = tmp_path / "eval", tmp_path / "elsewhere"
    for folder in (runs / "20260101-000000", elsewhere / "secret-run"):
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text("{}")
    for pointer in (str(elsewhere / "secret-run"), "../elsewhere/secret-run", "..", "/"):
        (runs / "latest").write_text(pointer)
        found = latest_run(runs)
        assert found is not None and found.resolve().parent == runs.resolve(), pointer
    (runs / "latest").write_text("20260101-000000\n")
    assert latest_run(runs) == runs / "20260101-000000"
