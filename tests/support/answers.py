"""Checks on answers that several test files share."""

from __future__ import annotations

import re

from app.models import Answer


def unquoted(answer: Answer) -> list[str]:
    """Pieces of the answer that the passage of the source they cite does not hold."""
    passages = {c.n: c.passage for c in answer.citations}
    parts = re.split(r"\[(\d+)\]", answer.text)
    bad = [
        text.strip()
        for text, n in zip(parts[0::2], parts[1::2], strict=False)
        if text.strip() and not _quoted(text.strip(), passages.get(int(n), ""))
    ]
    return [*bad, parts[-1].strip()] if parts[-1].strip() or len(parts) < 3 else bad


def _quoted(piece: str, passage: str) -> bool:
    """Whether the passage holds the piece: a table's rows (quoted together as one table,
    without the rows between them that the answer leaves out) line by line."""
    lines = piece.splitlines()
    if len(lines) > 1 and all(line.startswith("|") for line in lines):
        return all(line in passage for line in lines)
    return piece in passage
