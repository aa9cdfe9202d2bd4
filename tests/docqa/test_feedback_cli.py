"""`docqa feedback --export`: thumbs-down answers written out as draft questions."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from app.feedback import Rating, feedback_path, make_feedback, save_feedback
from docqa.settings import Settings
from tests.support.embedders import FAKE


def run(settings: Settings, *args: str) -> Result:
    from docqa.cli import cli

    env = {
        "DOCQA_DATA_DIR": str(settings.data_dir),
        "DOCQA_EMBED_MODEL": settings.embed_model,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    return CliRunner().invoke(cli, list(args), env=env)


def rate(settings: Settings) -> None:
    ratings: list[tuple[str, Rating]] = [("a1", "down"), ("a2", "up"), ("a3", "down")]
    for answer_id, rating in ratings:
        question = f"Widget question {answer_id}?"
        record = make_feedback(answer_id, question, "Made up. [1]", ["widget"], rating)
        save_feedback(feedback_path(settings), record)


def test_export_prints_how_many_drafts_and_writes_them(settings: Settings, tmp_path: Path) -> None:
    rate(settings)
    out = tmp_path / "drafts.jsonl"
    result = run(settings, "feedback", "--export", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 draft question(s)")
    assert str(out) in result.stdout and "'review'" in result.stdout
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["fb-a1", "fb-a3"]


def test_export_json_names_the_files(settings: Settings, tmp_path: Path) -> None:
    rate(settings)
    out = tmp_path / "drafts.jsonl"
    result = run(settings, "feedback", "--export", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "drafts": 2,
        "file": str(out),
        "feedback": str(feedback_path(settings)),
    }


def test_without_feedback_nothing_is_drafted(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "drafts.jsonl"
    result = run(settings, "feedback", "--export", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 draft question(s)")
    assert out.read_text(encoding="utf-8") == ""


def test_export_is_required(settings: Settings) -> None:
    result = run(settings, "feedback")
    assert result.exit_code == 2
    assert "--export" in result.output


def test_export_to_a_folder_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    assert run(settings, "feedback", "--export", str(tmp_path)).exit_code == 2


def test_an_export_path_under_a_file_is_a_user_error(settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    result = run(settings, "feedback", "--export", str(blocker / "drafts.jsonl"))
    assert result.exit_code == 1
    assert "Error:" in result.output
