"""Fenced code blocks in Markdown, opened by ``` or ~~~: one definition for the parser, the
chunker and the answer units, and for the app's reader and renderer."""

from __future__ import annotations

import re
from collections.abc import Iterator

MARKERS = ("```", "~~~")
_MARKER = re.compile(r"^\s*(```|~~~)")
# A whole block: an opening line, then everything up to the first line holding only the same
# marker. The closing fence may be indented (a block inside a list item keeps its indent).
_BLOCK = re.compile(r"^(```|~~~)([^\n]*)\n(.*?)\n?^[ \t]*\1[ \t]*$", re.DOTALL | re.MULTILINE)


def fence_of(line: str) -> str | None:
    """The marker (``` or ~~~) of a line that opens or closes a fenced block, else None."""
    match = _MARKER.match(line)
    return match.group(1) if match else None


def is_code(text: str) -> bool:
    """True when the text starts with a fence (a code block, or a piece of one)."""
    return text.startswith(MARKERS)


def code_blocks(text: str) -> Iterator[re.Match[str]]:
    """Every closed fenced block that opens at the start of a line, in order; a match's
    groups are the marker, the info string (language) and the code."""
    return _BLOCK.finditer(text)
