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
        if text.strip() and text.strip() not in passages.get(int(n), "")
    ]
    return [*bad, parts[-1].strip()] if parts[-1].strip() or len(parts) < 3 else bad
