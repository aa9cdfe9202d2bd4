"""The chat as plain data."""

from __future__ import annotations

from app.conversation import EXAMPLES, Turn, history, shown_question
from app.models import Answer


def test_history_is_the_questions_the_engine_saw() -> None:
    turns = [
        Turn("  first ", Answer("first", "A", False)),
        Turn("broken", error="No index"),
        Turn("second", Answer("second", "refused", True)),
    ]
    assert [a.question for a in history(turns)] == ["first", "second"]
    assert history(turns)[1].refused
    assert len({t.id for t in turns}) == 3


def test_long_questions_are_cut_for_display() -> None:
    assert shown_question(" short ", 10) == "short"
    assert shown_question("x" * 30, 10) == "x" * 10 + " …"


def test_examples_are_questions() -> None:
    assert len(EXAMPLES) >= 3 and all(q.endswith("?") for q in EXAMPLES)
