"""The one Markdown parser: a page read once, with markdown-it-py's token stream, into sections
of typed blocks (paragraphs, title lines, list items with their list's intro, tables with their
header row, code). Every later stage reads these blocks; none parses Markdown again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.models import Block, Link, Page, Section

_ANCHOR = re.compile(r'<a\s+name="([^"]*)"\s*>', re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")
_TAG = re.compile(r"<[^>]*>")
# The AWS pages put a section's anchor right after a closing fence ("```<a name=...></a>"),
# which CommonMark reads as no closing fence at all: the anchor goes to a line of its own.
_FENCE_ANCHOR = re.compile(r'^([ \t]*(?:```|~~~))(<a\s+name="[^"]*"\s*>\s*</a>)[ \t]*$', re.M)
# What a paragraph right before it opens: the block that follows (a list, a table, code).
_OPENED = {"item": "list", "table": "table", "code": "code"}


@cache
def _parser() -> MarkdownIt:
    """CommonMark with GFM tables: the flavour of the AWS documentation pages."""
    return MarkdownIt("commonmark").enable("table")


@dataclass
class _Inline:
    """Plain text of one inline token run, and what it held."""

    text: str
    title: str = ""  # the bold words that open it on a line of their own, if any
    anchors: list[str] = field(default_factory=list)


def _inline(token: Token, links: list[Link]) -> _Inline:
    """Words of an inline token: links read as their words (and are recorded), emphasis and
    HTML dropped, code spans kept with their backticks, a hard line break kept as one."""
    out: list[str] = []
    anchors: list[str] = []
    link: Link | None = None
    link_at = 0  # where the open link's words start
    bold_at: int | None = None  # where the opening bold run started, while it is open
    title_end = -1  # the offset after a bold run that opened the text
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            out.append(child.content)
        elif kind == "code_inline":
            out.append(f"`{child.content}`")
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "html_inline":
            anchors += _ANCHOR.findall(child.content)
        elif kind == "link_open":
            link, link_at = _link(str(child.attrs.get("href", ""))), len("".join(out))
        elif kind == "link_close" and link is not None:
            links.append(replace(link, text="".join(out)[link_at:].strip()))
            link = None
        elif kind == "strong_open" and not "".join(out).strip():
            bold_at = len(out)
        elif kind == "strong_close" and bold_at is not None:
            title_end, bold_at = len("".join(out)), None
    text = "".join(out)
    title = ""
    if title_end > 0:
        rest = text[title_end:]
        if not rest.strip() or rest.lstrip(" \t").startswith("\n"):
            title, text = _clean(text[:title_end]), rest
    return _Inline(_clean(text), title, anchors)


def _clean(text: str) -> str:
    """Spaces collapsed, each line stripped."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _link(href: str) -> Link | None:
    """A link to another page of the corpus (`page.md#anchor`) or to the web; None else."""
    target, _, anchor = href.partition("#")
    if target.endswith(".md"):
        return Link(text="", target=target[:-3].rsplit("/", 1)[-1], anchor=anchor)
    if target.startswith(("http://", "https://")):
        return Link(text="", target=target, anchor=anchor)
    return None


class _Reader:
    """Walks the token stream of one page, collecting sections of blocks."""

    def __init__(self, tokens: Sequence[Token], page_id: str) -> None:
        self.tokens, self.page_id = tokens, page_id
        self.links: list[Link] = []
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.anchor, self.heading, self.level = "", "", 0
        self.blocks: list[Block] = []

    def close(self) -> None:
        if self.blocks or self.heading:
            path = tuple(heading for _, heading in self.stack)
            blocks = tuple(_relate(self.blocks))
            self.sections.append(Section(self.anchor, self.heading, self.level, path, blocks))
        self.blocks = []

    def open(self, level: int, inline: _Inline) -> None:
        self.close()
        words = " ".join(filter(None, [inline.title, inline.text.replace("\n", " ")]))
        heading = words or _title_from_id(self.page_id)
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, heading))
        self.level, self.heading = level, heading
        self.anchor = inline.anchors[0] if inline.anchors else ""

    def read(self) -> list[Section]:
        tokens, i = self.tokens, 0
        depth, numbers, first = 0, [], False
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "heading_open":
                self.open(int(token.tag[1:]), _inline(tokens[i + 1], self.links))
                i += 3
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                depth += 1
                start = int(token.attrs.get("start", 1)) if kind == "ordered_list_open" else 0
                numbers.append(start if kind == "ordered_list_open" else None)
                first = True
            elif kind in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
                numbers.pop()
            elif kind == "list_item_open":
                i = self.item(i + 1, depth, numbers, first)
                first = False
                if numbers and numbers[-1] is not None:
                    numbers[-1] += 1
                continue
            elif kind == "paragraph_open":
                self.paragraph(tokens[i + 1], depth)
                i += 3
                continue
            elif kind in ("fence", "code_block"):
                code = token.content.rstrip("\n")
                info = token.info.strip().split(" ")[0] if kind == "fence" else ""
                self.blocks.append(Block("code", code, info=info, depth=depth))
            elif kind == "table_open":
                i = self.table(i + 1, depth)
                continue
            elif kind == "html_block" and (words := _clean(_TAG.sub(" ", token.content))):
                self.blocks.append(Block("paragraph", words, depth=depth))  # the words only
            i += 1
        self.close()
        return self.sections

    def item(self, i: int, depth: int, numbers: list[int | None], first: bool) -> int:
        """A list item: its first paragraph is the item; what follows it inside the item
        (more paragraphs, code, a nested list) is read as blocks of their own."""
        if i < len(self.tokens) and self.tokens[i].type == "paragraph_open":
            inline = _inline(self.tokens[i + 1], self.links)
            if inline.text or inline.title:
                text = " ".join(filter(None, [inline.title, inline.text.replace("\n", " ")]))
                self.blocks.append(
                    Block("item", text, depth=depth, number=numbers[-1], first=first)
                )
            return i + 3
        return i

    def paragraph(self, token: Token, depth: int) -> None:
        """A paragraph; bold words that open it on their own line are its title line."""
        inline = _inline(token, self.links)
        if inline.title:
            self.blocks.append(Block("title", inline.title, depth=depth))
        if inline.text:
            self.blocks.append(Block("paragraph", inline.text, depth=depth))

    def table(self, i: int, depth: int) -> int:
        """A table's rows of cells, header first."""
        rows: list[tuple[str, ...]] = []
        row: list[str] = []
        while i < len(self.tokens) and self.tokens[i].type != "table_close":
            token = self.tokens[i]
            if token.type == "tr_open":
                row = []
            elif token.type == "inline":
                row.append(_inline(token, self.links).text.replace("\n", " "))
            elif token.type == "tr_close":
                rows.append(tuple(row))
            i += 1
        if rows:
            self.blocks.append(Block("table", cells=tuple(rows), depth=depth))
        return i + 1


def _relate(blocks: Sequence[Block]) -> list[Block]:
    """Each list, table and code block with the paragraph that opens it (the one right
    before it), and that paragraph marked as opening it."""
    out = list(blocks)
    for n in range(1, len(out)):
        block, before = out[n], out[n - 1]
        starts = block.kind != "item" or block.first
        if block.kind in _OPENED and starts and before.kind == "paragraph":
            out[n - 1] = replace(before, opens=_OPENED[block.kind])
        if block.kind in _OPENED:
            intro = before.text if before.kind == "paragraph" else ""
            if block.kind == "item" and (not block.first or before.kind == "item"):
                intro = next((b.intro for b in reversed(out[:n]) if b.kind == "item"), "")
            out[n] = replace(block, intro=intro)
    return out


def _title_from_id(page_id: str) -> str:
    return page_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip().capitalize()


def parse(text: str, page_id: str, url: str, sha256: str = "") -> Page:
    """Parse one page: its title (the first heading), its sections with their anchors and
    heading paths, each a run of typed blocks, and its links."""
    reader = _Reader(_parser().parse(_FENCE_ANCHOR.sub(r"\1\n\2", text)), page_id)
    found = reader.read()
    sections = [s for s in found if s.blocks or s is found[0]]
    heading = next((s.heading for s in sections if s.heading), None)
    title = heading or _title_from_id(page_id)
    sections = [_fill(s, title, page_id) for s in sections]
    links = tuple(reader.links)
    return Page(page_id, title, url, sha256, tuple(sections), links, heading is not None)


def _fill(section: Section, title: str, page_id: str) -> Section:
    """Give what stands before the first heading the page's title and anchor."""
    if section.heading:
        return section
    anchor = page_id.rsplit("/", 1)[-1]
    return Section(anchor, title, 1, (title,), section.blocks)
