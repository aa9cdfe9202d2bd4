"""Clean a user's question and recognise follow-ups that need the conversation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.lexical import tokenize

_FOLLOW_UP_START = re.compile(
    r"^(and|also|but|what about|how about|and what|and how|same|then|what if|ok|okay)\b", re.I
)
_PRONOUN = re.compile(r"\b(it|its|that|this|these|those|they|them|one|ones|there)\b", re.I)


class EmptyQuestionError(ValueError):
    """The question holds nothing to answer."""


@dataclass(frozen=True)
class Question:
    """A question ready for retrieval, and what was changed to get it."""

    text: str
    warnings: tuple[str, ...] = ()


def clean_question(raw: str, limit: int) -> Question:
    """Drop control characters, collapse spaces, cut to `limit` characters (with a warning)."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in raw
    )
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise EmptyQuestionError("The question is empty: type a question about the pages.")
    warnings: list[str] = []
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        warnings.append(f"The question was cut to its first {len(cut)} of {len(text)} characters.")
        text = cut
    return Question(text, tuple(warnings))


def is_follow_up(question: str) -> bool:
    """True when a question leans on an earlier turn ("and custom models?")."""
    if _FOLLOW_UP_START.match(question.strip()):
        return True
    return bool(_PRONOUN.search(question)) and len(tokenize(question)) <= 6


def contextualise(question: str, history: Sequence[str]) -> str:
    """The retrieval query: a follow-up is expanded with the previous question."""
    earlier = [turn for turn in history if turn.strip()]
    if not earlier or not is_follow_up(question):
        return question
    return f"{earlier[-1]} {question}"
