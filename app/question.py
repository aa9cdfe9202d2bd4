"""Clean a user's question and recognise follow-ups that need the conversation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from app.models import Answer
from docqa.errors import DocqaError
from ingest.lexical import tokenize
from ingest.sentences import sentence_spans

# How English marks a question that continues a conversation: an opening that links it to
# what came before, or (in a short question) a word that points back to it.
_CONTINUES = re.compile(
    r"^(and|also|but|so|then|ok|okay|what about|how about|what if|same|why|why not|is there)\b",
    re.IGNORECASE,
)
_POINTS_BACK = re.compile(
    r"\b(it|its|that|this|these|those|they|them|their|there|one|ones|he|she|the same)\b",
    re.IGNORECASE,
)


class EmptyQuestionError(DocqaError):
    """The question holds nothing to answer."""


@dataclass(frozen=True)
class CleanedQuestion:
    """A question ready for retrieval, and what was changed to get it."""

    text: str
    warnings: tuple[str, ...] = ()


def clean_question(raw: str, limit: int) -> CleanedQuestion:
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
    return CleanedQuestion(text, tuple(warnings))


@dataclass(frozen=True)
class Conversation:
    """What a follow-up leans on: every earlier question, and the pages the last answer cited."""

    earlier: tuple[str, ...] = ()
    cited: tuple[str, ...] = ()

    def text(self, question: str) -> str:
        """The whole conversation as one query: the earlier questions, then this one."""
        return " ".join([*self.earlier, question])


def is_short(question: str, limit: int) -> bool:
    """A question of at most `limit` tokens: few words of its own ("why?", "and from the
    CLI?")."""
    return len(tokenize(question)) <= limit


def leans_back(question: str, limit: int) -> bool:
    """True when a question reads as part of a conversation ("and from the CLI?", "is there
    a better way to handle that?"); `limit`: the tokens of a short question."""
    text = question.strip()
    short = is_short(text, limit)
    return bool(_CONTINUES.match(text)) or (short and bool(_POINTS_BACK.search(text)))


def asking_spans(question: str) -> tuple[tuple[int, int], ...]:
    """Character spans of the sentences of a question that ask (those ending in "?", else
    the last one) when others stand around them: the story, setting or pasted error message a
    user gives first. Empty when the whole question asks."""
    spans = sentence_spans(question)
    asking = [(a, b) for a, b in spans if question[a:b].rstrip().endswith("?")] or spans[-1:]
    return tuple(asking) if len(asking) < len(spans) else ()


def conversation(history: Sequence[str | Answer]) -> Conversation:
    """The conversation before a question, from earlier answers (or bare earlier questions)."""
    earlier = [h.question if isinstance(h, Answer) else h for h in history]
    last = next((h for h in reversed(history) if isinstance(h, Answer)), None)
    cited = tuple(last.cited_pages) if last is not None and not last.refused else ()
    return Conversation(tuple(q for q in earlier if q.strip()), cited)
