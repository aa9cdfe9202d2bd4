"""Plain records of the answer path: hits, citations, answers, conversation turns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.models import Chunk

# One or more source markers closing a claim: "... KMS key [1]", "... [1][2]", "... [1], [3]".
_MARKERS = re.compile(r"((?:\s*,?\s*\[\d+\])+)")
_NUMBER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with its scores."""

    chunk: Chunk
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0

    @property
    def chunk_id(self) -> str:
        """The chunk's id, `<page id>::<ordinal>`."""
        return self.chunk.id

    @property
    def page_id(self) -> str:
        """The page the chunk comes from."""
        return self.chunk.page_id

    @property
    def title(self) -> str:
        """The page title."""
        return self.chunk.title

    @property
    def section(self) -> str:
        """The section heading."""
        return self.chunk.section

    @property
    def anchor(self) -> str:
        """The section's anchor on the published page."""
        return self.chunk.anchor

    @property
    def text(self) -> str:
        """The chunk's text."""
        return self.chunk.text

    @property
    def heading(self) -> str:
        """The heading path as one line."""
        return self.chunk.heading

    @property
    def link(self) -> str:
        """Published URL deep-linked to the passage's section."""
        return self.chunk.link


@dataclass(frozen=True)
class Hit:
    """A retrieved page: its best passages, best first."""

    page_id: str
    score: float
    passages: tuple[Passage, ...]

    @property
    def best(self) -> Passage:
        """The page's best passage."""
        return self.passages[0]


@dataclass(frozen=True)
class Citation:
    """A numbered source that the answer cites."""

    n: int
    page: str
    title: str
    section: str
    url: str
    passage: str
    score: float

    def to_json(self) -> dict[str, Any]:
        """The JSON shape printed by `docqa ask --json`."""
        return {
            "n": self.n,
            "page": self.page,
            "title": self.title,
            "section": self.section,
            "url": self.url,
            "passage": self.passage,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Claim:
    """A piece of the answer text and the pages its source markers point to."""

    text: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """An answer with the evidence behind it; the UI, the CLI and the eval read this."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    mode: str = "extractive"
    signals: dict[str, float] = field(default_factory=dict)
    # Why a refusal was made, in words a user reads.
    reasons: tuple[str, ...] = ()

    @property
    def retrieved_pages(self) -> list[str]:
        """Distinct page ids in rank order."""
        return [hit.page_id for hit in self.hits]

    @property
    def cited_pages(self) -> list[str]:
        """Distinct cited page ids in citation order."""
        return list(dict.fromkeys(c.page for c in self.citations))

    def claims(self) -> list[Claim]:
        """The answer cut after each run of source markers, each piece with the pages its
        markers name (text after the last marker, or with no valid marker, names none)."""
        pages = {c.n: c.page for c in self.citations}
        parts = _MARKERS.split(self.text)
        claims = []
        for text, markers in zip(parts[::2], [*parts[1::2], ""], strict=True):
            named = [pages[int(n)] for n in _NUMBER.findall(markers) if int(n) in pages]
            if text.strip():
                claims.append(Claim(text.strip(), tuple(dict.fromkeys(named))))
        return claims

    def to_json(self) -> dict[str, Any]:
        """The JSON shape printed by `docqa ask --json`."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "reasons": list(self.reasons),
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "warnings": list(self.warnings),
        }
