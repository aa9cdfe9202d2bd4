"""Plain records of the answer path: hits, citations, answers, conversation turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ingest.models import Block, Chunk, render_blocks


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
    """A numbered source that the answer cites: a section of a page, with the blocks of it
    that the answer quotes from (or, for a related page, its best passage)."""

    n: int
    page: str
    title: str
    section: str
    url: str
    blocks: tuple[Block, ...]
    score: float
    titled: bool = False  # the answer quotes the section's title: its passage shows it first

    @property
    def passage(self) -> str:
        """The quoted blocks as plain text."""
        return render_blocks(self.blocks)


QuoteKind = Literal["heading", "sentence", "title", "item", "header", "row", "code"]
AnswerBlockKind = Literal["prose", "label", "list", "table", "code"]
Role = Literal["lead", "support"]


@dataclass(frozen=True)
class Quote:
    """One unit of a page the answer quotes, as the page has it (or a sentence an LLM wrote),
    and the sources it cites."""

    kind: QuoteKind
    text: str
    citations: tuple[int, ...] = ()
    cells: tuple[str, ...] = ()  # a table row's cells
    number: int | None = None  # an item of a numbered list
    depth: int = 0  # how deep in lists an item is
    info: str = ""  # a code block's language


@dataclass(frozen=True)
class AnswerBlock:
    """A block of the answer: a paragraph of quoted sentences, a label (a section title or a
    title line), list items, the rows of one table, or a code block."""

    kind: AnswerBlockKind
    quotes: tuple[Quote, ...]
    role: Role = "lead"  # the lead is read first; supporting blocks follow it

    @property
    def citations(self) -> tuple[int, ...]:
        """The sources the block cites, in order."""
        return tuple(dict.fromkeys(n for q in self.quotes for n in q.citations))


@dataclass(frozen=True)
class Claim:
    """A piece of the answer and the pages its citations point to."""

    text: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """An answer with the evidence behind it; the UI, the CLI and the eval read this, and
    the renderers (app/render/) write it as text, Markdown or JSON."""

    question: str
    blocks: tuple[AnswerBlock, ...]
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
    # The pages answer part of the question: what they lack, in the question's words.
    missing: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """Whether the answer says the pages lack part of what was asked."""
        return bool(self.missing) and not self.refused

    @property
    def retrieved_pages(self) -> list[str]:
        """Distinct page ids in rank order."""
        return [hit.page_id for hit in self.hits]

    @property
    def cited_pages(self) -> list[str]:
        """Distinct cited page ids in citation order."""
        return list(dict.fromkeys(c.page for c in self.citations))

    @property
    def text(self) -> str:
        """The answer as plain text, with its markers (written by app/render/plain.py)."""
        from app.render.plain import answer_text

        return answer_text(self)

    def claims(self) -> list[Claim]:
        """Each quote of the answer with the pages it cites."""
        pages = {c.n: c.page for c in self.citations}
        return [
            Claim(q.text, tuple(dict.fromkeys(pages[n] for n in q.citations if n in pages)))
            for block in self.blocks
            for q in block.quotes
        ]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape printed by `docqa ask --json` (app/render/data.py)."""
        from app.render.data import answer_data

        return answer_data(self)
