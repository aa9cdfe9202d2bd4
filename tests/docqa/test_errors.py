"""User errors share one base class and end as one clean line; anything else stays a bug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from app.llm import NoLLMError, chat_model
from app.question import EmptyQuestionError
from app.refusal import Calibration, CalibrationError
from corpus.discover import FolderNotFoundError
from corpus.fetch import CorpusError
from docqa.cli import cli
from docqa.errors import DocqaError, PathError
from docqa.settings import Settings, SettingsError, load_settings
from eval.bench import BenchError
from eval.corpora import CorpusFoldersError
from eval.feedback import FeedbackError
from eval.questions import TUNE_QUESTIONS, QuestionsError
from eval.run import new_run_dir
from eval.thresholds import ThresholdsError
from ingest.embed.factory import EmbedderError
from ingest.locking import IngestBusyError
from ingest.store import (
    IndexDamagedError,
    IndexMismatchError,
    IndexStateError,
    NoIndexError,
    ServerUnreachableError,
)
from tests.support.embedders import fake_env

USER_ERRORS = [
    CorpusError,
    FolderNotFoundError,
    IngestBusyError,
    IndexStateError,
    NoIndexError,
    IndexMismatchError,
    IndexDamagedError,
    ServerUnreachableError,
    EmptyQuestionError,
    CalibrationError,
    NoLLMError,
    QuestionsError,
    ThresholdsError,
    CorpusFoldersError,
    FeedbackError,
    BenchError,
    SettingsError,
    PathError,
    EmbedderError,
]


def run(settings: Settings, *args: str) -> Result:
    env = fake_env(settings.data_dir, settings.embed_model)
    return CliRunner().invoke(cli, list(args), env=env)


def clean_error(result: Result) -> str:
    """The `Error: ...` line of a user error (exit status 1, no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("Error: ") and "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("error", USER_ERRORS, ids=lambda e: e.__name__)
def test_every_user_error_is_a_docqa_error_and_no_builtin_one(error: type) -> None:
    assert issubclass(error, DocqaError)
    assert not issubclass(error, (ValueError, OSError))


def test_a_missing_corpus_folder_is_one_clean_line(settings: Settings, tmp_path: Path) -> None:
    line = clean_error(run(settings, "ingest", "--corpus", str(tmp_path / "nowhere")))
    assert "Corpus folder" in line and "does not exist" in line


def test_an_unwritable_destination_is_one_clean_line(settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    dest = blocker / "pages"
    result = run(settings, "corpus", "fetch", "--from", str(tmp_path), "--dest", str(dest))
    assert f"Cannot create {dest}" in clean_error(result)
    with pytest.raises(PathError, match="Cannot create"):
        new_run_dir(blocker / "runs")
    unusable = settings.model_copy(update={"index_dir": blocker / "index"})
    result = run(
        unusable, "--index-dir", str(blocker / "index"), "ingest", "--corpus", str(tmp_path)
    )
    assert "Cannot create the index folder" in clean_error(result)


def test_a_bad_thresholds_file_is_one_clean_line(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "thresholds.json"
    bad.write_text("{nope", encoding="utf-8")
    args = ["--questions", str(TUNE_QUESTIONS), "--thresholds", str(bad)]
    result = run(settings, "eval", "-q", *args)
    assert "is not valid JSON" in clean_error(result)


def test_a_bad_questions_file_is_one_clean_line(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "questions.jsonl"
    bad.write_text('{"id": "x"\n', encoding="utf-8")
    result = run(settings, "tune", "-q", "--questions", str(bad))
    assert f"{bad}, line 1" in clean_error(result)


def test_invalid_settings_are_one_clean_line(settings: Settings) -> None:
    result = run(settings, "--chroma-url", "ftp://example", "status")
    assert clean_error(result).startswith("Error: Invalid settings: ")
    assert "chroma_url" in result.stderr and "must look like http://" in result.stderr
    result = run(settings, "migrate", "--to", "ftp://example")
    assert "Chroma URL must look like" in result.stderr and result.exit_code == 1


def test_an_embedder_that_cannot_be_loaded_is_one_clean_line(fake_index: Settings) -> None:
    env = fake_env(fake_index.data_dir, fake_index.embed_model, "no_such_pkg.mod:Embedder")
    result = CliRunner().invoke(cli, ["ask", "x"], env=env)
    line = clean_error(result)
    assert line.startswith("Error: Cannot load the embedder 'no_such_pkg.mod:Embedder' (")
    assert "Traceback" not in result.stderr and "No module named 'no_such_pkg'" in line


@pytest.mark.parametrize("bug", [ValueError, FileNotFoundError, RuntimeError])
def test_an_unexpected_exception_is_not_turned_into_a_user_error(
    fake_index: Settings, monkeypatch: pytest.MonkeyPatch, bug: type[Exception]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise bug("a bug, not a user mistake")

    monkeypatch.setattr("ingest.store.IndexStore.info", broken)
    result = run(fake_index, "status")
    assert isinstance(result.exception, bug) and "Error:" not in result.output
    monkeypatch.setattr("app.engine.Engine.ask", broken)
    result = run(fake_index, "ask", "How is my data encrypted?")
    assert isinstance(result.exception, bug) and "Error:" not in result.output


def test_load_settings_raises_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCQA_K", "many")
    with pytest.raises(SettingsError, match="k"):
        load_settings()


def test_llm_answers_without_a_model_are_a_user_error(settings: Settings) -> None:
    with pytest.raises(NoLLMError, match="DOCQA_LLM_MODEL"):
        chat_model(settings)


def test_calibration_files_that_cannot_be_read_or_written(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="cannot be read"):
        Calibration.load(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(CalibrationError, match="Cannot write"):
        Calibration.load().save(blocker / "calibration.json")
