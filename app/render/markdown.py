"""Answers and passages as safe Markdown for the browser: every user or page character is
escaped, each marker links to the section it cites, and code stays code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import quote, urlsplit

from app.markers import marker
from app.models import Answer, AnswerBlock, Citation
from app.render.plain import closes, gap_line
from ingest.models import Block, separator

# Every ASCII character Markdown, GFM or Streamlit (`:red[..]`, `$math$`) gives a meaning to.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'@%])")
# The one inline mark the parser leaves in a page's words (ingest/markdown.py): code spans.
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def escape(text: str) -> str:
    """Text that Markdown shows exactly as written: no formatting, links, HTML or math."""
    return _SPECIAL.sub(r"\\\1", text)


def safe_url(url: str) -> str | None:
    """An http(s) URL made safe inside a Markdown link, or None for any other scheme."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#=&%-._~+,;@!$*'")


def link(label: str, url: str) -> str:
    """A Markdown link with an escaped label; plain escaped text when the URL is not web."""
    target = safe_url(url)
    return f"[{escape(label)}]({target})" if target else escape(label)


def inline(text: str) -> str:
    """One line of a page's words: code spans kept (they show literally), the rest
    escaped."""
    return "".join(part if i % 2 else escape(part) for i, part in enumerate(_CODE_SPAN.split(text)))


def _fence(info: str, code: str) -> str:
    """A fenced code block longer than any backtick run inside, so it cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", info)[:20]
    return f"{ticks}{lang}\n{code}\n{ticks}"


def _cells(cells: tuple[str, ...]) -> str:
    """A table row of escaped cells."""
    return "| " + " | ".join(inline(c) for c in cells) + " |"


def _table(header: tuple[str, ...] | None, rows: list[tuple[str, ...]]) -> str:
    """A GFM table; rows quoted without their header get an empty one (GFM needs it)."""
    width = len(header) if header else max((len(r) for r in rows), default=1)
    head = _cells(header) if header else "| " + " | ".join(" " for _ in range(width)) + " |"
    rule = "| " + " | ".join("---" for _ in range(width)) + " |"
    return "\n".join([head, rule, *(_cells(r) for r in rows)])


def _marks(numbers: Sequence[int], links: Mapping[int, str]) -> str:
    """Markers, each linked to the section it cites."""
    return "".join(link(marker(n), links[n]) if n in links else "" for n in numbers)


def _block(block: AnswerBlock, links: Mapping[int, str], close: bool) -> str:
    """One answer block as safe Markdown; with `close`, its linked markers after it."""
    mark = _marks(block.citations, links) if close else ""
    if block.kind == "prose":
        return " ".join([*(inline(q.text) for q in block.quotes), *([mark] if mark else [])])
    if block.kind == "label":
        return f"**{inline(block.quotes[0].text)}** {mark}".rstrip()
    if block.kind == "list":
        lines = [_item(q.number, q.depth, inline(q.text)) for q in block.quotes]
        return "\n".join(lines) + (f" {mark}" if mark else "")
    ending = f"\n\n{mark}" if mark else ""
    if block.kind == "code":
        quote = block.quotes[0]
        return f"{_fence(quote.info, quote.text)}{ending}"
    header = block.quotes[0].cells if block.quotes and block.quotes[0].kind == "header" else None
    rows = [q.cells for q in block.quotes if q.kind == "row"]
    return f"{_table(header, rows)}{ending}"


def _item(number: int | None, depth: int, body: str) -> str:
    """A list item's line: its bullet (or number) and indentation, then its body."""
    indent = "   " * max(depth - 1, 0)
    return f"{indent}{number}. {body}" if number is not None else f"{indent}- {body}"


def _blocks(answer: Answer, role: str) -> str:
    links = {c.n: c.url for c in answer.citations}
    blocks = answer.blocks
    return "\n\n".join(
        _block(b, links, closes(blocks, n)) for n, b in enumerate(blocks) if b.role == role
    )


def lead_markdown(answer: Answer) -> str:
    """What the answer leads with, then the line naming what the pages lack."""
    gap = gap_line(answer.missing)
    return "\n\n".join(part for part in (_blocks(answer, "lead"), inline(gap)) if part)


def support_markdown(answer: Answer) -> str:
    """The answer's supporting quotes, grouped by page."""
    return _blocks(answer, "support")


def answer_markdown(answer: Answer) -> str:
    """The whole answer with each marker linked to the section it cites, labels bold."""
    return "\n\n".join(part for part in (lead_markdown(answer), support_markdown(answer)) if part)


def blocks_markdown(blocks: Sequence[Block]) -> str:
    """A passage's blocks as safe Markdown: title lines bold, lists, tables, code."""
    out: list[str] = []
    for n, block in enumerate(blocks):
        if block.kind == "title":
            text = f"**{inline(block.text)}**"
        elif block.kind == "item":
            text = _item(block.number, block.depth, inline(block.text))
        elif block.kind == "table":
            text = _table(block.cells[0], list(block.cells[1:])) if block.cells else ""
        elif block.kind == "code":
            text = _fence(block.info, block.text)
        else:
            text = "  \n".join(inline(line) for line in block.text.split("\n"))
        out.append(separator(blocks[n - 1], block) + text if n else text)
    return "".join(out)


def passage_markdown(citation: Citation) -> str:
    """A source's passage: its section title first when the answer quotes it."""
    body = blocks_markdown(citation.blocks)
    return f"**{inline(citation.section)}**\n\n{body}" if citation.titled else body


def source_line(citation: Citation) -> str:
    """`[n] Title › Section` with the title linked to the section."""
    section = citation.section.strip()
    where = f" › {escape(section)}" if section and section != citation.title.strip() else ""
    return f"**{escape(marker(citation.n))}** {link(citation.title, citation.url)}{where}"


def passage_label(citation: Citation) -> str:
    """`Passage [n]`, the label of a source's passage."""
    return f"Passage {escape(marker(citation.n))}"


def plain(text: str) -> str:
    """A one-off message (error, notice) made safe; code spans stay code."""
    return inline(" ".join(text.split()))


def words(markdown: str, seconds: float = 0.0, max_delay: float = 0.03) -> Iterator[str]:
    """The Markdown a word at a time (whitespace kept) for `st.write_stream`, spread over about
    `seconds` whatever the length (a word waits at most `max_delay`)."""
    tokens = [t for t in re.split(r"(?<=\s)(?=\S)", markdown) if t]
    delay = min(seconds / len(tokens), max_delay) if tokens else 0.0
    for token in tokens:
        yield token
        if delay:
            time.sleep(delay)
