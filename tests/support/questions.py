"""Text helpers for checking question files against the pages (standard library only)."""

from __future__ import annotations

import re

# A question sharing this many consecutive words with a page is treated as copied.
COPY_NGRAM = 8

ESCAPE_RE = re.compile(r"\\(.)")
WS_RE = re.compile(r"\s+")
MARKUP_CHARS = ("`", "[", "]")
WORD_RE = re.compile(r"[a-z0-9]+(?:[-':.][a-z0-9]+)*")
QUOTED_RE = re.compile(r"`[^`]*`")
IDENT_RE = re.compile(r"\b(?:[a-z0-9]+:[A-Za-z][A-Za-z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b")


def ngrams(words: list[str], n: int = COPY_NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def normalise(text: str) -> str:
    """Drop Markdown backslash escapes, lowercase and collapse whitespace."""
    return WS_RE.sub(" ", ESCAPE_RE.sub(r"\1", text).lower()).strip()


def strip_markup(text: str) -> str:
    """Remove backticks and ``*`` emphasis from already normalised text."""
    return WS_RE.sub(" ", text.replace("`", "").replace("*", "")).strip()


def plain(fact: str) -> str:
    """A fact as the metric compares it: normalised, without markup."""
    return strip_markup(normalise(fact))
