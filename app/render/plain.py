"""An answer as plain text: what `docqa ask` prints and what the evaluation reads."""

from __future__ import annotations

from app.markers import marker, marks
from app.models import Answer, AnswerBlock, Citation, Quote

REFUSAL = "The documentation pages do not answer this question."


def _quote(quote: Quote, markers: bool) -> str:
    """One quote with its marker after it."""
    mark = f" {marks(quote.citations)}" if markers and quote.citations else ""
    if quote.kind == "item":
        indent = "  " * max(quote.depth - 1, 0)
        bullet = f"{quote.number}." if quote.number is not None else "-"
        return f"{indent}{bullet} {quote.text}{mark}"
    return f"{quote.text}{mark}"


def block_text(block: AnswerBlock, markers: bool = True) -> str:
    """One block of the answer: a paragraph, a label, list items on their lines, a table's
    rows then its marker, a code block then its marker."""
    if block.kind in ("prose", "label"):
        return " ".join(_quote(q, markers) for q in block.quotes)
    if block.kind == "list":
        return "\n".join(_quote(q, markers) for q in block.quotes)
    closing = f"\n{marks(block.citations)}" if markers and block.citations else ""
    if block.kind == "code":
        code = "\n".join(q.text for q in block.quotes)
        info = block.quotes[0].info if block.quotes else ""
        return f"```{info}\n{code}\n```{closing}"
    rows = [q.text for q in block.quotes]
    if block.quotes and block.quotes[0].kind == "header":
        rows.insert(1, "| " + " | ".join("---" for _ in block.quotes[0].cells) + " |")
    return "\n".join(rows) + closing


def answer_text(answer: Answer, markers: bool = True) -> str:
    """The whole answer (or the refusal) as text; `markers=False` leaves out the `[n]`s,
    as a reader sees the words."""
    if answer.refused or not answer.blocks:
        return REFUSAL
    return "\n\n".join(block_text(b, markers) for b in answer.blocks)


def source_lines(citations: tuple[Citation, ...]) -> list[str]:
    """Each source as `[n] Title — Section`, then its link on a line of its own."""
    return [f"{marker(c.n)} {c.title} — {c.section}\n    {c.url}" for c in citations]
