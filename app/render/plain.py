"""An answer as plain text: what `docqa ask` prints and what the evaluation reads."""

from __future__ import annotations

from collections.abc import Sequence

from app.markers import marker, marks
from app.models import Answer, AnswerBlock, Citation, Quote

REFUSAL = "The documentation pages do not answer this question."


def _item(quote: Quote) -> str:
    """A list item's line: its bullet or number, indented by its depth."""
    indent = "  " * max(quote.depth - 1, 0)
    bullet = f"{quote.number}." if quote.number is not None else "-"
    return f"{indent}{bullet} {quote.text}"


def block_text(block: AnswerBlock, close: bool = True) -> str:
    """One block of the answer: a paragraph, a label, list items on their lines, a table's
    rows, a code block; with `close`, the markers of its sources after it."""
    mark = marks(block.citations) if close and block.citations else ""
    if block.kind in ("prose", "label"):
        return " ".join([*(q.text for q in block.quotes), *([mark] if mark else [])])
    if block.kind == "list":
        lines = [_item(q) for q in block.quotes]
        return "\n".join(lines) + (f" {mark}" if mark else "")
    ending = f"\n{mark}" if mark else ""
    if block.kind == "code":
        code = "\n".join(q.text for q in block.quotes)
        info = block.quotes[0].info if block.quotes else ""
        return f"```{info}\n{code}\n```{ending}"
    rows = [q.text for q in block.quotes]
    if block.quotes and block.quotes[0].kind == "header":
        rows.insert(1, "| " + " | ".join("---" for _ in block.quotes[0].cells) + " |")
    return "\n".join(rows) + ending


def closes(blocks: Sequence[AnswerBlock], n: int) -> bool:
    """Whether block `n` carries its markers: the last of a run of blocks of one part of
    the answer (lead or support) that cite the same sources gets them, once."""
    if n + 1 == len(blocks):
        return True
    block, after = blocks[n], blocks[n + 1]
    return (after.role, after.citations) != (block.role, block.citations)


def gap_line(missing: Sequence[str]) -> str:
    """What the answer says the pages lack, in one line: the names they never mention, the
    number they do not give ("how many days")."""
    names = [m for m in missing if not m.startswith("how ")]
    asked = [m for m in missing if m.startswith("how ")]
    said = []
    if names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        said.append(f"mention {listed}")
    if asked:
        said.append(f"say {asked[0]}")
    return f"The pages do not {' or '.join(said)}." if said else ""


def parts(answer: Answer, markers: bool = True) -> list[str]:
    """The answer's pieces of text in order: the lead's blocks, the gap line, the rest."""
    out: list[str] = []
    lead = sum(1 for b in answer.blocks if b.role == "lead")
    for n, block in enumerate(answer.blocks):
        if n == lead and answer.missing:
            out.append(gap_line(answer.missing))
        out.append(block_text(block, markers and closes(answer.blocks, n)))
    if lead == len(answer.blocks) and answer.missing:
        out.append(gap_line(answer.missing))
    return out


def answer_text(answer: Answer, markers: bool = True) -> str:
    """The whole answer (or the refusal) as text; `markers=False` leaves out the `[n]`s,
    as a reader sees the words."""
    if answer.refused or not answer.blocks:
        return REFUSAL
    return "\n\n".join(parts(answer, markers))


def source_lines(citations: Sequence[Citation]) -> list[str]:
    """Each source as `[n] Title — Section`, then its link on a line of its own."""
    return [f"{marker(c.n)} {c.title} — {c.section}\n    {c.url}" for c in citations]
