"""Feedback records as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from app.feedback import (
    MAX_REASON,
    feedback_path,
    load_feedback,
    make_feedback,
    rating_from_thumbs,
    save_feedback,
)


def test_thumbs_values_map_to_ratings() -> None:
    assert rating_from_thumbs(1) == "up"
    assert rating_from_thumbs(0) == "down"
    assert rating_from_thumbs(None) is None


def test_records_append_and_the_latest_per_answer_wins(tmp_path: Path) -> None:
    path = tmp_path / "data" / "feedback.jsonl"
    save_feedback(path, make_feedback("a1", "Q?", "A [1]", ["kms"], "down"))
    save_feedback(path, make_feedback("a2", "Q2?", "B", [], "up"))
    save_feedback(path, make_feedback("a1", "Q?", "A [1]", ["kms"], "down", "  too vague "))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 3
    assert set(lines[0]) == {
        "answer_id",
        "question",
        "answer",
        "cited_pages",
        "history",
        "rating",
        "reason",
        "timestamp",
        "user",
    }
    latest = load_feedback(path)
    assert [(f.answer_id, f.reason) for f in latest] == [("a2", ""), ("a1", "too vague")]
    assert latest[1].cited_pages == ("kms",) and latest[1].timestamp.endswith("+00:00")


def test_reason_is_capped_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text("not json\n{}\n", encoding="utf-8")
    save_feedback(path, make_feedback("a", "Q", "A", [], "up", "x" * (MAX_REASON + 50)))
    (record,) = load_feedback(path)
    assert len(record.reason) == MAX_REASON


def test_missing_file_means_no_feedback(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    assert load_feedback(tmp_path / "none.jsonl") == []
    assert feedback_path(settings) == settings.data_dir / "feedback.jsonl"
