"""The one owner of citation markers (`[n]`): the renderers write them, and the only text
read back for them is an LLM's answer."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.sentences import sentence_spans

# A run of markers closing a claim: "... KMS key [1]", "... [1][2]", "... [1], [3]".
_RUN = re.compile(r"(?:\s*,?\s*\[\d+\])+")
_NUMBER = re.compile(r"\[(\d+)\]")
_AFTER_END = re.compile(r"([.?!])((?:\s*,?\s*\[\d+\])+)")


def marker(n: int) -> str:
    """The marker of source `n`."""
    return f"[{n}]"


def marks(numbers: Iterable[int]) -> str:
    """The markers of these sources, in order ("" for none)."""
    return "".join(marker(n) for n in numbers)


def numbered(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """An LLM's answer as sentences, each without its markers and with the sources they
    name: a run of markers belongs to the sentence it closes, before or after its end mark."""
    text = _AFTER_END.sub(lambda m: _joined(m.group(2)) + m.group(1), text)
    text = _RUN.sub(lambda m: _joined(m.group(0)), text)
    out: list[tuple[str, tuple[int, ...]]] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        numbers = tuple(dict.fromkeys(int(n) for n in _NUMBER.findall(piece)))
        if sentence := text_of(piece):
            out.append((sentence, numbers))
    return out


def _joined(run: str) -> str:
    """A run of markers written tight, so no sentence boundary falls inside or before it."""
    return "".join(marker(int(n)) for n in _NUMBER.findall(run))


def text_of(text: str) -> str:
    """Text with its markers taken out."""
    return " ".join(_RUN.sub("", text).split())
