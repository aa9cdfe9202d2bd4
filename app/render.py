"""Answer and page text to safe Markdown: every user or page character is escaped, `[n]`
markers become links to the cited section, and code stays code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import quote, urlsplit

from app.models import Citation
from ingest.fences import code_blocks

# Every ASCII character Markdown, GFM or Streamlit (`:red[..]`, `$math$`) gives a meaning to.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'@%])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_MARKER = re.compile(r"\[(\d+)\]")
_LIST = re.compile(r"^\s*[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^\s*(\d{1,9})[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
# A label the answer or a passage shows bold: a section title or a title line, alone on its
# line, with the source markers after it (the pages' own emphasis is dropped when parsed).
_LABEL = re.compile(r"^\s*\*\*(?=\S)(.+?)(?<=\S)\*\*((?:\s*\[\d+\])*)\s*$")


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


def inline(text: str, links: Mapping[int, str] | None = None) -> str:
    """One line: code spans kept (they show literally), `[n]` linked, the rest escaped."""
    out: list[str] = []
    for i, part in enumerate(_CODE_SPAN.split(text)):
        if i % 2:
            out.append(part)
            continue
        pos = 0
        for match in _MARKER.finditer(part):
            url = (links or {}).get(int(match.group(1)))
            if url is None:
                continue
            out.append(escape(part[pos : match.start()]))
            out.append(link(match.group(0), url))
            pos = match.end()
        out.append(escape(part[pos:]))
    return "".join(out)


def _fence(info: str, code: str) -> str:
    """A fenced code block longer than any backtick run inside, so it cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", info)[:20]
    return f"{ticks}{lang}\n{code}\n{ticks}"


def _line(line: str, links: Mapping[int, str] | None, labels: bool) -> tuple[str, str]:
    """The kind of one prose line and its safe Markdown."""
    if labels and (match := _LABEL.match(line)):
        return "text", f"**{inline(match.group(1), links)}**{inline(match.group(2), links)}"
    if match := _LIST.match(line):
        return "list", f"- {inline(match.group(1), links)}"
    if match := _ORDERED.match(line):
        return "list", f"{match.group(1)}. {inline(match.group(2), links)}"
    if match := _HEADING.match(line):
        return "text", f"**{inline(match.group(1), links)}**"
    if line.lstrip().startswith("|"):
        if _TABLE_RULE.match(line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            return "table", "| " + " | ".join(c if c else "---" for c in cells) + " |"
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        return "table", "| " + " | ".join(inline(c, links) for c in cells) + " |"
    return "text", inline(line.strip(), links)


def _prose(block: str, links: Mapping[int, str] | None, labels: bool) -> str:
    """Paragraphs, lists and tables of a text block, each line made safe."""
    groups: list[tuple[str, list[str]]] = []
    for raw in block.split("\n"):
        if not raw.strip():
            groups.append(("blank", []))
            continue
        kind, text = _line(raw, links, labels)
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(text)
        else:
            groups.append((kind, [text]))
    joined = ["  \n".join(lines) if kind == "text" else "\n".join(lines) for kind, lines in groups]
    return "\n\n".join(part for part in joined if part)


def to_markdown(text: str, links: Mapping[int, str] | None = None, labels: bool = False) -> str:
    """Safe Markdown for answer or passage text: code blocks fenced, everything else escaped
    (with `labels`, a line that is one `**label**`, as the reader writes section titles and
    title lines, stays bold)."""
    parts: list[str] = []
    pos = 0
    for match in code_blocks(text):
        if prose := _prose(text[pos : match.start()], links, labels):
            parts.append(prose)
        parts.append(_fence(match.group(2), match.group(3)))
        pos = match.end()
    if prose := _prose(text[pos:], links, labels):
        parts.append(prose)
    return "\n\n".join(parts)


def citation_links(citations: Sequence[Citation]) -> dict[int, str]:
    """Citation number → deep link."""
    return {c.n: c.url for c in citations}


def answer_markdown(text: str, citations: Sequence[Citation]) -> str:
    """The answer with each `[n]` linked to the section it cites, and its labels bold."""
    return to_markdown(text, citation_links(citations), labels=True)


def source_line(citation: Citation) -> str:
    """`[n] Title › Section` with the title linked to the section."""
    section = citation.section.strip()
    where = f" › {escape(section)}" if section and section != citation.title.strip() else ""
    return f"**\\[{citation.n}\\]** {link(citation.title, citation.url)}{where}"


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
