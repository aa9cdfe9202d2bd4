"""The answer's text and its sources: each unit quoted with a `[n]` after it, one numbered
source per cited section holding every passage of it the answer quotes; the pages it quotes
lead the ranking it is shown with."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.models import Citation, Hit, Passage
from app.reader import Candidate, is_title_line
from ingest.fences import is_code

# A list item or a table row: each stands on its own line.
_LIST = re.compile(r"^(- |\d+\. |\|)")


def cite(units: Sequence[Candidate]) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with a `[n]` after each unit, and one numbered source per cited section."""
    # A source's passage joins every chunk of its section that the answer quotes, so each
    # quoted sentence can be found in the passage shown under its number.
    numbers: dict[tuple[str, str], int] = {}
    quoted: dict[int, dict[str, Passage]] = {}
    titled: set[int] = set()
    labels: dict[str, list[str]] = {}  # title lines quoted, by chunk: bold in the passage too
    parts: list[str] = []
    for i, unit in enumerate(units):
        p = unit.passage
        n = numbers.setdefault((p.page_id, p.anchor), len(numbers) + 1)
        quoted.setdefault(n, {}).setdefault(p.chunk_id, p)
        if unit.kind == "row":  # a table's rows quoted together, as a table, then the marker
            rule = _rule_after(unit.text, p.text)  # a header opens a table of its own
            if i and not rule and _same_table(units[i - 1], unit):
                table = parts[-1].rsplit("\n", 1)[0]  # its marker goes after the last row
                parts[-1] = f"{table}\n{unit.text}\n[{n}]"
            else:
                parts.append(f"{unit.text}{rule}\n[{n}]")
            continue
        if unit.kind == "heading":  # the section title as a label (its source shows it too)
            parts.append(f"**{p.section}** [{n}]")
            titled.add(n)
            continue
        label = unit.text.strip()
        if is_title_line(label, unit.kind) and _own_line(label).search(p.text):
            parts.append(f"**{label}** [{n}]")  # a step's or a warning's name, as a label
            labels.setdefault(p.chunk_id, []).append(label)
            continue
        sep = "\n" if unit.kind == "code" else " "
        parts.append(f"{unit.text}{sep}[{n}]")
    citations = []
    for n, chunks in quoted.items():
        first = next(iter(chunks.values()))
        text = "\n\n".join(_bold(chunks[cid].text, labels.get(cid, [])) for cid in sorted(chunks))
        if n in titled:
            text = f"**{first.section}**\n\n{text}"
        score = max(c.score for c in chunks.values())
        citations.append(
            Citation(n, first.page_id, first.title, first.section, first.link, text, score)
        )
    return "\n\n".join(_join(parts)), tuple(citations)


def _same_table(before: Candidate, row: Candidate) -> bool:
    """Whether a row follows another row of its section in the answer (a table split into
    chunks is one table)."""
    a, b = before.passage, row.passage
    return before.kind == "row" and (a.page_id, a.anchor) == (b.page_id, b.anchor)


def _rule_after(line: str, text: str) -> str:
    """The table's rule line (`| --- | --- |`), as the passage has it, when `line` is the
    header it follows: with it, the rows quoted show as a table."""
    rule = re.search(rf"(?m)^[ \t]*{re.escape(line)}[ \t]*\n([ \t]*\|[-:| \t]+)$", text)
    return f"\n{rule.group(1).strip()}" if rule and "-" in rule.group(1) else ""


def _own_line(text: str) -> re.Pattern[str]:
    """A line of a passage that holds this text alone."""
    return re.compile(rf"(?m)^{re.escape(text)}[ \t]*$")


def _bold(text: str, labels: Sequence[str]) -> str:
    """A chunk's text with the title lines the answer quotes bold, as the answer shows them."""
    for label in labels:
        text = _own_line(label).sub(lambda m: f"**{m.group(0).strip()}**", text, count=1)
    return text


def cited_first(hits: Sequence[Hit], cited: Sequence[str]) -> tuple[Hit, ...]:
    """The ranking an answer is shown with: the pages it quotes first, in the order it cites
    them (the reader's choice, made on sentences, reranks retrieval's), then the others."""
    order = {page: n for n, page in enumerate(dict.fromkeys(cited))}
    return tuple(sorted(hits, key=lambda h: order.get(h.page_id, len(order))))


def _join(parts: list[str]) -> list[str]:
    """Prose runs into one paragraph; list items, rows, code and labels stay on their own
    lines."""
    paragraphs: list[str] = []
    for part in parts:
        # Code, list items, rows, section titles and title lines (the only parts opening with
        # "**": the parser drops emphasis from the pages' text) stand on their own lines.
        block = is_code(part) or part.startswith("**") or bool(_LIST.match(part))
        last = paragraphs[-1] if paragraphs else ""
        after = _LIST.match(last) or is_code(last) or last.startswith("**")  # stands alone
        if paragraphs and not block and not after:
            paragraphs[-1] += " " + part
        else:
            paragraphs.append(part)
    return paragraphs
