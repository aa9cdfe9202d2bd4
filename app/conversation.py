"""The chat as plain data: turns, and the history a follow-up needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.models import Answer


@dataclass(frozen=True)
class Turn:
    """One question and what came back: an answer, or an error message (safe Markdown)."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def history(turns: Sequence[Turn]) -> list[Answer]:
    """Earlier answers (and refusals), oldest first: the engine reads their questions and the
    pages they cited."""
    return [t.answer for t in turns if t.answer is not None]


def shown_question(question: str, limit: int) -> str:
    """The question as displayed: very long ones are cut (the engine cuts them too)."""
    question = question.strip()
    return question if len(question) <= limit else question[:limit].rstrip() + " …"
