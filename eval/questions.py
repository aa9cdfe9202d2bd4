"""Load and validate a questions file (JSON Lines) into plain records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docqa.errors import DocqaError

# The tuning file: questions that settings may be fitted on (`docqa tune`).
TUNE_QUESTIONS = Path(__file__).with_name("tune.jsonl")
# The frozen test file: read only by `docqa eval`; never by tuning, constants or tests.
TEST_QUESTIONS = Path(__file__).with_name("test.jsonl")
DEFAULT_SETS: tuple[tuple[str, Path], ...] = (("tune", TUNE_QUESTIONS), ("test", TEST_QUESTIONS))
_REQUIRED: dict[str, type] = {
    "id": str,
    "question": str,
    "expected_pages": list,
    "answerable": bool,
    "expected_facts": list,
    "kind": str,
}
# "source": where the answer of an unanswerable question is (a page that is not indexed).
_OPTIONAL: dict[str, type] = {"history": list, "source": str}
KNOWN_KEYS = frozenset(_REQUIRED) | frozenset(_OPTIONAL)


class QuestionsError(DocqaError):
    """A questions file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class EvalQuestion:
    """One evaluation question and what a good answer holds."""

    id: str
    question: str
    expected_pages: tuple[str, ...]
    answerable: bool
    expected_facts: tuple[str, ...]
    kind: str
    history: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class QuestionFile:
    """The questions of one file, and the keys its lines carry that docqa does not read."""

    path: Path
    questions: tuple[EvalQuestion, ...]
    unused_keys: tuple[str, ...] = ()

    def warning(self) -> str | None:
        """One line naming the keys that are not used, or None."""
        if not self.unused_keys:
            return None
        keys = ", ".join(f"'{k}'" for k in self.unused_keys)
        return f"{self.path}: key(s) {keys} are not used by docqa eval (read as notes)"


def _strings(value: list[Any], key: str) -> tuple[str, ...]:
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"'{key}' must be a list of non-empty strings")
    return tuple(value)


def parse_question(data: Any) -> EvalQuestion:
    """One question from a decoded JSON object (ValueError says what is wrong)."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if "review" in data:
        raise ValueError(
            "a draft from feedback: set 'answerable', 'expected_pages' and 'expected_facts', "
            "then delete 'review'"
        )
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in data:
            if key in _REQUIRED:
                raise ValueError(f"missing key '{key}'")
            continue
        if not isinstance(data[key], kind):
            raise ValueError(f"'{key}' must be a {kind.__name__}")
    if not data["id"].strip() or not data["question"].strip():
        raise ValueError("'id' and 'question' must not be empty")
    question = EvalQuestion(
        id=data["id"],
        question=data["question"],
        expected_pages=_strings(data["expected_pages"], "expected_pages"),
        answerable=data["answerable"],
        expected_facts=_strings(data["expected_facts"], "expected_facts"),
        kind=data["kind"],
        history=_strings(data.get("history", []), "history"),
        source=data.get("source", ""),
    )
    if question.answerable and not question.expected_pages:
        raise ValueError("an answerable question needs at least one expected page")
    if not question.answerable and (question.expected_pages or question.expected_facts):
        raise ValueError("an unanswerable question has no expected pages or facts")
    return question


def load_questions(path: Path = TUNE_QUESTIONS) -> list[EvalQuestion]:
    """Every question of a JSON Lines file; blank lines are skipped."""
    return list(read_questions(path).questions)


def read_questions(path: Path) -> QuestionFile:
    """Every question of a JSON Lines file (blank lines skipped), and the keys it carries
    that are not read (`notes`, `why`, ...): a question file may hold notes for people."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise QuestionsError(f"Questions file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionsError(f"Questions file {path} cannot be read: {exc}") from exc
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    unused: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            question = parse_question(data)
        except ValueError as exc:
            raise QuestionsError(f"{path}, line {number}: {exc}") from exc
        if question.id in seen:
            raise QuestionsError(
                f"{path}, line {number}: id '{question.id}' already used on line "
                f"{seen[question.id]}"
            )
        seen[question.id] = number
        questions.append(question)
        unused |= set(data) - KNOWN_KEYS
    if not questions:
        raise QuestionsError(f"Questions file {path} holds no questions")
    return QuestionFile(path, tuple(questions), tuple(sorted(unused)))


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
