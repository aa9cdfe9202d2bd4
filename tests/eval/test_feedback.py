"""Thumbs-down feedback becomes draft questions that a reviewer must finish before use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.feedback import Feedback, make_feedback, save_feedback
from eval.feedback import draft_question, drafts, export_drafts
from eval.questions import QuestionsError, load_questions

FIRST = "How do I encrypt a widget?"
FOLLOW = "and the backups of it?"


def rated(answer_id: str, rating: str, question: str = FIRST, **kw: object) -> Feedback:
    return make_feedback(
        answer_id,
        question,
        str(kw.get("answer", "Widgets use AES-256. [1]")),
        ["widget-encryption"],
        rating,  # type: ignore[arg-type]
        str(kw.get("reason", "")),
        kw.get("history", ()),  # type: ignore[arg-type]
    )


def test_only_thumbs_down_answers_become_drafts() -> None:
    records = [rated("a1", "up"), rated("a2", "down"), rated("a3", "up"), rated("a4", "down")]
    assert [d["id"] for d in drafts(records)] == ["fb-a2", "fb-a4"]
    assert drafts([rated("a1", "up")]) == []


def test_a_draft_keeps_the_question_its_history_and_the_answer_for_review() -> None:
    record = rated(
        "a7", "down", FOLLOW, answer="Backups use KMS. [1]", reason="wrong", history=[FIRST]
    )
    draft = draft_question(record)
    assert draft["question"] == FOLLOW
    assert draft["history"] == [FIRST]
    assert draft["answerable"] is None
    assert draft["expected_pages"] == [] and draft["expected_facts"] == []
    assert draft["review"] == {
        "answer": "Backups use KMS. [1]",
        "cited_pages": ["widget-encryption"],
        "reason": "wrong",
        "rated_at": record.timestamp,
    }
    assert "Backups use KMS" not in json.dumps({k: v for k, v in draft.items() if k != "review"})


def test_a_draft_without_history_has_no_history_key() -> None:
    assert "history" not in draft_question(rated("a1", "down"))


def save(path: Path, *records: Feedback) -> Path:
    for record in records:
        save_feedback(path, record)
    return path


def test_export_writes_one_json_line_per_draft(tmp_path: Path) -> None:
    source = save(
        tmp_path / "feedback.jsonl",
        rated("a1", "down"),
        rated("a2", "up", "Are widgets blue?"),
        rated("a3", "down", FOLLOW, history=[FIRST]),
    )
    out = tmp_path / "new" / "folder" / "drafts.jsonl"
    assert export_drafts(source, out) == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["id"], r["question"]) for r in rows] == [("fb-a1", FIRST), ("fb-a3", FOLLOW)]
    assert rows[1]["history"] == [FIRST]


def test_the_latest_rating_of_an_answer_decides(tmp_path: Path) -> None:
    source = save(
        tmp_path / "feedback.jsonl",
        rated("a1", "down"),
        rated("a2", "down", "Are widgets blue?"),
        rated("a1", "up"),
    )
    out = tmp_path / "drafts.jsonl"
    assert export_drafts(source, out) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == "fb-a2"


def test_no_feedback_yet_writes_an_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "drafts.jsonl"
    assert export_drafts(tmp_path / "missing.jsonl", out) == 0
    assert out.read_text(encoding="utf-8") == ""


def test_feedback_saved_before_history_was_recorded_still_exports(tmp_path: Path) -> None:
    old = {
        "answer_id": "old1",
        "question": FIRST,
        "answer": "AES-256. [1]",
        "cited_pages": ["widget-encryption"],
        "rating": "down",
        "reason": "",
        "timestamp": "2026-01-01T00:00:00+00:00",
    }
    source = tmp_path / "feedback.jsonl"
    source.write_text(json.dumps(old) + "\n", encoding="utf-8")
    out = tmp_path / "drafts.jsonl"
    assert export_drafts(source, out) == 1
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == "fb-old1" and "history" not in row


def test_an_exported_draft_does_not_load_until_it_is_reviewed(tmp_path: Path) -> None:
    source = save(tmp_path / "feedback.jsonl", rated("a3", "down", FOLLOW, history=[FIRST]))
    out = tmp_path / "drafts.jsonl"
    export_drafts(source, out)
    with pytest.raises(QuestionsError, match=r"line 1: .*'review'"):
        load_questions(out)

    row = json.loads(out.read_text(encoding="utf-8"))
    del row["review"]
    row.update(answerable=True, expected_pages=["widget-backup"], expected_facts=["KMS"])
    out.write_text(json.dumps(row) + "\n", encoding="utf-8")
    (question,) = load_questions(out)
    assert question.history == (FIRST,) and question.expected_pages == ("widget-backup",)
