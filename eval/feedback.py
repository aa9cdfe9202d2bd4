"""Feedback becomes evaluation: thumbs-down answers turned into draft questions to review."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.feedback import Feedback, load_feedback
from docqa.errors import DocqaError

DRAFT_KIND = "feedback"


def draft_question(record: Feedback) -> dict[str, Any]:
    """One draft line: the question as asked, with what docqa answered kept under "review".
    It does not load as a question until a reviewer sets `answerable`, the expected pages and
    facts, and deletes "review"."""
    draft: dict[str, Any] = {
        "id": f"fb-{record.answer_id}",
        "question": record.question,
        "expected_pages": [],
        "answerable": None,
        "expected_facts": [],
        "kind": DRAFT_KIND,
    }
    if record.history:
        draft["history"] = list(record.history)
    draft["review"] = {
        "answer": record.answer,
        "cited_pages": list(record.cited_pages),
        "reason": record.reason,
        "rated_at": record.timestamp,
    }
    return draft


def drafts(records: Sequence[Feedback]) -> list[dict[str, Any]]:
    """Draft questions from the thumbs-down ratings, oldest first."""
    return [draft_question(r) for r in records if r.rating == "down"]


class FeedbackError(DocqaError):
    """Drafts that cannot be written; the message says where and why."""


def export_drafts(feedback_file: Path, out: Path) -> int:
    """Write the drafts of a feedback file as JSON Lines; returns how many."""
    lines = [json.dumps(d, ensure_ascii=False) for d in drafts(load_feedback(feedback_file))]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as exc:
        raise FeedbackError(f"Cannot write {out}: {exc.strerror or exc}") from exc
    return len(lines)
