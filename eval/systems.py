"""The one interface the runner scores: docqa itself and the baselines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from app.models import Claim
from app.render.plain import answer_text

if TYPE_CHECKING:
    from app.engine import Engine
    from app.models import Answer

# Pages ranked per question: enough for MRR@10 and nDCG@10.
RANK_DEPTH = 10


@dataclass(frozen=True)
class Reply:
    """What a system gave for one question, in the system's own page ids."""

    text: str
    refused: bool
    retrieved_pages: tuple[str, ...]
    cited_pages: tuple[str, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The answer in pieces, each with the pages it is attributed to (grounded fact coverage).
    claims: tuple[Claim, ...] = ()
    # What a user reads: the text without its source markers ("" means `text` as it is).
    read: str = ""
    # The answer says the pages lack part of what was asked, and names it.
    partial: bool = False
    missing: tuple[str, ...] = ()

    @property
    def reading(self) -> str:
        """The words a user reads, markers left out."""
        return self.read or self.text


class System(Protocol):
    """Anything that answers a question, given the earlier turns."""

    name: str

    def ask(self, question: str, history: Sequence[str]) -> Reply:
        """Answer one question."""
        ...

    def page_hashes(self) -> dict[str, str]:
        """sha256 of every page the system can return, by page id."""
        ...


class DocqaSystem:
    """docqa's answer engine, with the conversation history."""

    def __init__(self, engine: Engine, depth: int = RANK_DEPTH, name: str = "docqa") -> None:
        self.engine, self.depth, self.name = engine, depth, name

    def ask(self, question: str, history: Sequence[str]) -> Reply:
        """Answer with docqa as in a chat: the earlier questions are asked first, so the
        follow-up sees their answers. The deeper k lengthens the ranking, not the answer."""
        earlier: list[Answer] = []
        for turn in history:
            earlier.append(self.engine.ask(turn, history=earlier))
        answer = self.engine.ask(question, history=earlier, k=self.depth)
        return Reply(
            text=answer_text(answer),
            read=answer_text(answer, markers=False),
            partial=answer.partial,
            missing=answer.missing,
            refused=answer.refused,
            retrieved_pages=tuple(answer.retrieved_pages),
            cited_pages=tuple(answer.cited_pages),
            timings_ms=dict(answer.timings_ms),
            claims=tuple(answer.claims()),
        )

    def page_hashes(self) -> dict[str, str]:
        """Page hashes from the chunk metadata of the active build."""
        return indexed_page_hashes(self.engine)


def indexed_page_hashes(engine: Engine) -> dict[str, str]:
    """Page id -> `page_sha256` as recorded beside each chunk of the active build."""
    return {c.page_id: c.page_sha256 for c in engine.load().build.chunks.values()}
