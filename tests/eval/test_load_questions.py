"""Loading a questions file: good rows become records, bad files name the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.questions import (
    TEST_QUESTIONS,
    TUNE_QUESTIONS,
    EvalQuestion,
    QuestionsError,
    load_questions,
    parse_question,
    read_questions,
)

GOOD: dict[str, object] = {
    "id": "w1",
    "question": "How are widgets encrypted?",
    "expected_pages": ["widget-encryption"],
    "answerable": True,
    "expected_facts": ["aes-256"],
    "kind": "factual",
}


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "questions.jsonl"
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loads_rows_into_frozen_records(tmp_path: Path) -> None:
    follow = {**GOOD, "id": "w2", "kind": "follow-up", "history": ["earlier question"]}
    refusal = {**GOOD, "id": "w3", "answerable": False, "expected_pages": [], "expected_facts": []}
    questions = load_questions(write(tmp_path, GOOD, "", follow, refusal))
    assert [q.id for q in questions] == ["w1", "w2", "w3"]
    assert questions[0] == EvalQuestion(
        "w1", "How are widgets encrypted?", ("widget-encryption",), True, ("aes-256",), "factual"
    )
    assert questions[1].history == ("earlier question",)
    assert not questions[2].answerable
    with pytest.raises(AttributeError):
        questions[0].id = "x"  # type: ignore[misc]


def test_the_tuning_file_loads() -> None:
    questions = load_questions(TUNE_QUESTIONS)
    assert len(questions) >= 90
    assert any(q.history for q in questions) and any(not q.answerable for q in questions)
    assert {"near-miss", "off-topic", "follow-up"} <= {q.kind for q in questions}


def test_the_default_file_is_the_tuning_file_never_the_test_file() -> None:
    assert TUNE_QUESTIONS.resolve() != TEST_QUESTIONS.resolve()
    assert load_questions() == load_questions(TUNE_QUESTIONS)


def test_a_source_names_where_an_unanswerable_answer_lives(tmp_path: Path) -> None:
    elsewhere = {
        **GOOD,
        "answerable": False,
        "expected_pages": [],
        "expected_facts": [],
        "kind": "near-miss",
        "source": "guides/widget-pricing.md",
    }
    (question,) = load_questions(write(tmp_path, elsewhere))
    assert not question.answerable and question.kind == "near-miss"


def test_a_draft_from_feedback_is_refused_saying_what_to_fill_in() -> None:
    draft = {**GOOD, "answerable": None, "kind": "feedback", "review": {"answer": "Blue."}}
    with pytest.raises(ValueError) as caught:
        parse_question(draft)
    message = str(caught.value)
    assert "'review'" in message
    for key in ("answerable", "expected_pages", "expected_facts"):
        assert key in message


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "line 2"),
        ("[1, 2]", "expected a JSON object"),
        ({k: v for k, v in GOOD.items() if k != "kind"}, "missing key 'kind'"),
        ({**GOOD, "answerable": "yes"}, "'answerable' must be a bool"),
        ({**GOOD, "expected_pages": "widget-encryption"}, "'expected_pages' must be a list"),
        ({**GOOD, "expected_facts": [1]}, "list of non-empty strings"),
        ({**GOOD, "question": "  "}, "must not be empty"),
        ({**GOOD, "expected_pages": []}, "needs at least one expected page"),
        ({**GOOD, "answerable": False}, "unanswerable question has no expected pages"),
        ({**GOOD, "history": "earlier"}, "'history' must be a list"),
        ({**GOOD, "source": ["a.md"]}, "'source' must be a str"),
        ({**GOOD, "review": {"answer": "x"}}, "delete 'review'"),
    ],
)
def test_bad_row_is_reported_with_its_line(tmp_path: Path, bad: object, message: str) -> None:
    path = write(tmp_path, {**GOOD, "id": "ok"}, bad)
    with pytest.raises(QuestionsError) as caught:
        load_questions(path)
    assert f"{path}, line 2" in str(caught.value)
    assert message in str(caught.value)


def test_keys_that_are_not_read_are_named_once_and_the_file_still_loads(tmp_path: Path) -> None:
    noted = {**GOOD, "id": "w2", "notes": "from the widget page", "why": "a paraphrase"}
    path = write(tmp_path, GOOD, noted, {**GOOD, "id": "w3", "notes": "again"})
    read = read_questions(path)
    assert [q.id for q in read.questions] == ["w1", "w2", "w3"]
    assert read.unused_keys == ("notes", "why")
    assert (
        read.warning()
        == f"{path}: key(s) 'notes', 'why' are not used by docqa eval (read as notes)"
    )
    assert read_questions(write(tmp_path, GOOD)).warning() is None


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, {**GOOD, "question": "Another?"}, GOOD)
    with pytest.raises(QuestionsError, match=r"line 2: id 'w1' already used on line 1"):
        load_questions(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionsError, match="does not exist"):
        load_questions(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(QuestionsError, match="holds no questions"):
        load_questions(empty)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(QuestionsError, match="cannot be read"):
        load_questions(binary)
