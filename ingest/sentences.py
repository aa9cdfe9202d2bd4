"""The one sentence splitter: pages' paragraphs, questions and pseudo-questions are cut into
sentences the same way."""

from __future__ import annotations

import re

# Where one sentence ends and the next begins (an end mark, spaces, then a word, a quote, a
# code span or a bracket), and the abbreviations that end with a dot inside a sentence
# ("e.g.", "i.e.", "vs.").
_END = re.compile(r"(?<=[.?!])\s+(?=[A-Za-z(`\"'])")
_ABBREVIATION = re.compile(r"(\b\w\.){2,}$|\bvs\.$", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of a text's sentences: a line break ends one too, an abbreviation's
    dot does not."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for boundary in _END.finditer(line):
            if not _ABBREVIATION.search(line[start : boundary.start()]):
                spans.append((offset + start, offset + boundary.start()))
                start = boundary.end()
        spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    return [(a, b) for a, b in spans if text[a:b].strip()]


def split_sentences(text: str) -> list[str]:
    """A text's sentences, stripped."""
    return [text[a:b].strip() for a, b in sentence_spans(text)]
