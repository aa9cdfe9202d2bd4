"""What the HTTP API and the MCP server offer, over one Engine: ask, search, status.

Both doors go through here, so a question costs the same limit, is logged the same way and
comes back as the same answer object as `docqa ask --json` (`Answer.to_json()`, passed
through as it is).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.audit import AuditLog
from app.models import Answer
from app.ratelimit import RateLimited, RateLimiter

if TYPE_CHECKING:
    from app.auth import Actor
    from app.engine import Engine
    from docqa.settings import Settings


class InputError(ValueError):
    """A request field docqa cannot take; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Question:
    """One question to answer, with the earlier questions of its conversation."""

    text: str
    history: tuple[str, ...] = ()
    guide: str | None = None
    k: int | None = None


class Service:
    """Ask, search and status for one set of settings; safe to share between threads."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.audit = AuditLog.of(settings)
        self.limiter = RateLimiter(settings.serving.questions_per_minute)

    def check(self, question: Question, field: str = "question") -> None:
        """Refuse what no answer should be attempted for (InputError names the field)."""
        limit = self.settings.max_question_chars
        if not question.text.strip():
            raise InputError(field, f"The {field} is empty.")
        if len(question.text) > limit:
            raise InputError(field, f"The {field} is longer than {limit} characters.")
        if len(question.history) > self.settings.serving.max_history:
            most = self.settings.serving.max_history
            raise InputError("history", f"At most {most} earlier questions are read.")
        for n, earlier in enumerate(question.history):
            if len(earlier) > limit:
                raise InputError(f"history.{n}", f"Longer than {limit} characters.")

    def admit(self, actor: Actor, question: Question, field: str = "question") -> None:
        """Check the question and count it against the actor's limit (RateLimited)."""
        self.check(question, field)
        try:
            self.limiter.take(actor.id)
        except RateLimited:
            self.audit.record(actor, "rate-limited")
            raise
        self.audit.question(actor, question.text)

    def _earlier(self, question: Question) -> list[str | Answer]:
        """The conversation as `docqa ask --history` reads it: each earlier question answered
        in turn, so a follow-up sees the pages the last answer cited."""
        earlier: list[str | Answer] = []
        for turn in question.history:
            earlier.append(self.engine.ask(turn, earlier, question.k, question.guide))
        return earlier

    def ask(self, actor: Actor, question: Question) -> dict[str, Any]:
        """The answer object of `docqa ask --json`."""
        self.admit(actor, question)
        earlier = self._earlier(question)
        return self.engine.ask(question.text, earlier, question.k, question.guide).to_json()

    def stream(self, actor: Actor, question: Question) -> Iterator[str]:
        """The answer as server-sent events: `delta` events with pieces of text as they are
        ready, then one `answer` event with the answer object (or one `error` event)."""
        self.admit(actor, question)
        return self._events(question)

    def _events(self, question: Question) -> Iterator[str]:
        from docqa.errors import DocqaError

        try:
            earlier = self._earlier(question)
            for item in self.engine.stream(question.text, earlier, question.k, question.guide):
                if isinstance(item, Answer):
                    yield event("answer", item.to_json())
                else:
                    yield event("delta", {"text": item})
        except DocqaError as exc:  # the status line has gone out: the error is an event
            yield event("error", {"error": str(exc)})

    def search(self, actor: Actor, query: str, k: int | None = None) -> dict[str, Any]:
        """Passages for a query, best page first, each with its page, section and URL."""
        self.admit(actor, Question(query), "query")
        found = self.engine.retrieve(query, k)
        return {"query": query, "passages": passages(found.hits)}

    def status(self) -> dict[str, Any]:
        """What the index that answers holds (the engine switches to a new build first)."""
        loaded = self.engine.load()
        info = loaded.info
        return {
            "build_id": info.build_id,
            "pages": info.pages,
            "chunks": info.chunks,
            "model": info.model,
            "built_at": info.built_at,
            "source": info.source,
            "guides": loaded.retriever.guides(),
        }


def passages(hits: Sequence[Any]) -> list[dict[str, Any]]:
    """Each retrieved page's passages, flattened in rank order."""
    return [
        {
            "rank": rank,
            "page": hit.page_id,
            "title": passage.title,
            "section": passage.section,
            "url": passage.link,
            "text": passage.text,
            "score": round(float(passage.score), 4),
        }
        for rank, hit in enumerate(hits, 1)
        for passage in hit.passages
    ]


def event(name: str, data: dict[str, Any]) -> str:
    """One server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
