"""Parse the AWS docs Markdown flavour into a Page of Sections."""

from __future__ import annotations

import re

from ingest.fences import fence_of
from ingest.models import Link, Page, Section

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_ANCHOR = re.compile(r'<a name="([^"]*)"></a>')
_IMAGE = re.compile(r"!\[(?:\\.|[^\]\\])*\]\([^)]*\)")
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(\s*([^)\s]*)[^)]*\)")
_EMPHASIS = re.compile(r"(?<!\\)\*+")
_CODE_SPAN = re.compile(r"(`[^`]+`)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~'\"=:;,/])")
_BULLET = re.compile(r"^(\s*)\+\s+")
_SPACES = re.compile(r"[ \t]+")


def unescape(text: str) -> str:
    """Remove Markdown backslash escapes: `\\(AWS KMS\\)` becomes `(AWS KMS)`."""
    return _ESCAPE.sub(r"\1", text)


def _link_target(href: str) -> Link | None:
    target, _, anchor = href.partition("#")
    if target.endswith(".md"):
        return Link(text="", target=target[:-3].rsplit("/", 1)[-1], anchor=anchor)
    if target.startswith(("http://", "https://")):
        return Link(text="", target=target, anchor=anchor)
    return None


def clean_line(line: str, links: list[Link]) -> str:
    """Plain text of one Markdown line outside code: no images, links, emphasis or escapes."""
    line = _ANCHOR.sub("", _IMAGE.sub("", line))

    def replace(match: re.Match[str]) -> str:
        text = unescape(match.group(1)).strip()
        found = _link_target(match.group(2))
        if found is not None:
            links.append(Link(text=text, target=found.target, anchor=found.anchor))
        return text

    line = _LINK.sub(replace, line)
    line = _BULLET.sub(r"\1- ", line)
    # Inside a code span (`"*"`, `Start*`) nothing is emphasis or an escape: keep it as is.
    parts = _CODE_SPAN.split(line)
    line = "".join(
        part if n % 2 else unescape(_EMPHASIS.sub("", part)) for n, part in enumerate(parts)
    )
    return _SPACES.sub(" ", line).rstrip()


def _title_from_id(page_id: str) -> str:
    return page_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip().capitalize()


class _Builder:
    """Collects sections while the lines of a page are read."""

    def __init__(self, page_id: str) -> None:
        self.page_id = page_id
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.anchor = ""
        self.heading = ""
        self.level = 0
        self.lines: list[str] = []
        self.filled = False  # the open section has a line that is not blank

    def close(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        text = re.sub(r"\n{3,}", "\n\n", text)
        if text.strip() or self.heading:
            path = tuple(heading for _, heading in self.stack)
            section = Section(self.anchor, self.heading, self.level, path, text)
            self.sections.append(section)
        self.lines, self.filled = [], False

    def open(self, level: int, heading: str, anchor: str) -> None:
        self.close()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, heading))
        self.level, self.heading, self.anchor = level, heading, anchor


def parse(text: str, page_id: str, url: str, sha256: str = "", body: bool = True) -> Page:
    """Parse one page: title from the first heading, sections with their anchors. Without
    `body`, only the sections and their headings are exact: a section's text is cleaned up
    to its first line that is not blank (enough to know the section is kept), which makes
    reading thousands of neighbouring pages for their headings several times faster."""
    links: list[Link] = []
    builder = _Builder(page_id)
    fence: str | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        marker = fence_of(raw)
        if fence is not None:
            builder.lines.append(raw.rstrip())
            if marker == fence:
                fence = None
            continue
        if marker:
            fence = marker
            builder.lines.append(raw.strip())
            continue
        heading = _HEADING.match(raw)
        if heading:
            anchors = _ANCHOR.findall(heading.group(2))
            title = clean_line(heading.group(2), links).strip() or _title_from_id(page_id)
            builder.open(len(heading.group(1)), title, anchors[0] if anchors else "")
            continue
        if body or not builder.filled:
            line = clean_line(raw, links)
            builder.lines.append(line)
            builder.filled = builder.filled or bool(line.strip())
    if fence is not None:
        builder.lines.append(fence)
    builder.close()
    sections = [s for s in builder.sections if s.text.strip() or s is builder.sections[0]]
    title = next((s.heading for s in sections if s.heading), _title_from_id(page_id))
    sections = [_fill(s, title, page_id) for s in sections]
    return Page(page_id, title, url, sha256, tuple(sections), tuple(links))


def _fill(section: Section, title: str, page_id: str) -> Section:
    """Give text before the first heading the page's title and anchor."""
    if section.heading:
        return section
    anchor = page_id.rsplit("/", 1)[-1]
    return Section(anchor, title, 1, (title,), section.text)
