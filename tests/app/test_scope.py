"""One guide of a larger index: answers come from its pages only, in the engine, the CLI and
the app; a guide the index lacks is a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from app.engine import Engine
from app.scope import ScopeError, guides, in_guide
from docqa.cli import cli
from docqa.settings import Settings
from ingest.models import Chunk
from ingest.pipeline import run_ingest
from tests.support.embedders import FakeEmbedder, fake_env

MAIN = Path(__file__).resolve().parents[2] / "app" / "ui" / "main.py"
READER_PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "reader" / "pages"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"


@pytest.fixture
def two_guides(settings: Settings, security_corpus: Path, tmp_path: Path) -> Settings:
    """An index of two guides: the 16 security pages and the invented Quillstore pages."""
    corpus = tmp_path / "guides"
    shutil.copytree(security_corpus, corpus / "comprehend-security")
    shutil.copytree(READER_PAGES, corpus / "quillstore")
    run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), corpus)
    return settings


def pages(answer) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.page_id for h in answer.hits} | {c.page for c in (*answer.citations, *answer.related)}


def test_a_scoped_question_is_answered_from_that_guide_only(two_guides: Settings) -> None:
    engine = Engine(two_guides)
    assert engine.load().retriever.guides() == ["comprehend-security", "quillstore"]
    everywhere = engine.ask(QUESTION)
    assert everywhere.hits[0].page_id == "comprehend-security/kms-in-comprehend"
    inside = engine.ask(QUESTION, scope="comprehend-security")
    assert inside.hits[0].page_id == "comprehend-security/kms-in-comprehend"
    assert all(p.startswith("comprehend-security/") for p in pages(inside))
    elsewhere = engine.ask(QUESTION, scope="quillstore")
    assert elsewhere.hits and all(p.startswith("quillstore/") for p in pages(elsewhere))
    # The setting is the default; an explicit "" searches every page again.
    scoped = Engine(two_guides.with_overrides(scope="quillstore"))
    assert all(p.startswith("quillstore/") for p in pages(scoped.ask(QUESTION)))
    assert scoped.ask(QUESTION, scope="").hits[0].page_id == everywhere.hits[0].page_id


def test_a_guide_the_index_lacks_is_an_error_that_names_the_guides(two_guides: Settings) -> None:
    with pytest.raises(ScopeError, match=r"no guide 'kms'.*comprehend-security, quillstore"):
        Engine(two_guides).ask(QUESTION, scope="kms")


def test_a_flat_index_has_no_guides_to_choose(fake_index: Settings) -> None:
    engine = Engine(fake_index)
    assert engine.load().retriever.guides() == []
    with pytest.raises(ScopeError, match="not in guide folders"):
        engine.ask(QUESTION, scope="comprehend-security")


def test_the_cli_answers_in_one_guide_and_refuses_an_unknown_one(two_guides: Settings) -> None:
    env = fake_env(two_guides.data_dir, two_guides.embed_model)
    ok = CliRunner().invoke(cli, ["ask", "--json", "--in", "quillstore", QUESTION], env=env)
    assert ok.exit_code == 0, ok.output
    assert '"page_id": "comprehend-security/' not in ok.stdout
    bad = CliRunner().invoke(cli, ["ask", "--in", "kms", QUESTION], env=env)
    assert bad.exit_code == 1 and "Error: The index holds no guide 'kms'" in bad.output


def test_the_app_offers_search_in_and_answers_from_the_guide_chosen(
    two_guides: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fake_env(two_guides.data_dir, two_guides.embed_model).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    search_in = next(s for s in at.selectbox if s.label == "Search in")
    assert search_in.options == ["All guides", "comprehend-security", "quillstore"]
    search_in.select("quillstore").run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "kms-in-comprehend" not in shown


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("aws-guides/iam-user-guide", {"aws-guides/iam-user-guide/id_roles"}),
        ("iam-user-guide", {"aws-guides/iam-user-guide/id_roles"}),
        ("aws-guides", {"aws-guides/iam-user-guide/id_roles", "aws-guides/kms/keys"}),
        ("comprehend-security/", {"comprehend-security/kms-in-comprehend"}),
        ("guide", set()),  # part of a folder's name is not the folder
        ("/", set()),
    ],
)
def test_a_guide_is_a_folder_named_by_its_path_or_its_own_name(
    name: str, expected: set[str]
) -> None:
    ids = [
        "aws-guides/iam-user-guide/id_roles",
        "aws-guides/kms/keys",
        "comprehend-security/kms-in-comprehend",
        "flat-page",
    ]
    assert {page for page in ids if in_guide(page, name)} == expected
    chunks = {p: Chunk(p, p, 0, "T", "S", "s", ("T",), "text", "https://x", "h") for p in ids}
    assert guides(chunks) == ["aws-guides/iam-user-guide", "aws-guides/kms", "comprehend-security"]
