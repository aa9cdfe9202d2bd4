"""What a question asks that the pages lack: a named thing (a product, a feature, an acronym,
an identifier) that no indexed page mentions, or a number the answer's passages do not hold.
The answer then says so in one line and is marked partial (docs/refusal.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Pasted text (quoted or in backticks), ARNs, paths and error names: context, never asked for.
_PASTED = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\S*arn:\S*|\S+(?:Exception|Error)\S*|\S+/\S+")
# A name: an identifier in CamelCase or snake_case, an acronym, or words in Title Case.
_NAMED = re.compile(
    r"\b(?:[A-Z][a-z0-9]*[A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z]?|[A-Z][a-z]+(?: [A-Z][a-z]+)+"
    r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b"
)
# What asks for a number: a count, a duration, a frequency, a size, a limit.
_QUANTITY = re.compile(
    r"\b(?i:how (?:many|much|long|often|large|big|soon))(?! of\b)"
    r"(?: (?!(?:is|are|was|were|does|do|did|has|have|can|will|should)\b)[a-z]+s\b)?"
    r"|\b(?i:(?:the )?(?:maximum|minimum|max|min|limit|quota|retention period|waiting period|"
    r"number of|percentage|percent|price|cost|request rate|rate limit))"
    r"(?: (?!(?:for|of|on|in|to|that|i|we|you|they|it|can|is|are|do|does|did|was|were|will|"
    r"would|should|has|have|with|a|an|the)\b)[a-z]+){0,2}\b"
)
# A number ("one" aside: "one or more" gives no count).
_NUMBER = re.compile(
    r"\b\d+(?:\.\d+)?\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|"
    r"thousand)\b",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(r"(?:^|[.?!]\s+)([A-Z][a-z]+)\b")


def asked(question: str, spans: Sequence[tuple[int, int]]) -> str:
    """The part of a question that asks (its asking sentences when it tells a story first),
    without what it pastes."""
    text = " ".join(question[a:b] for a, b in spans) if spans else question
    return _PASTED.sub(" ", text)


def absent_names(text: str, known: Callable[[str], bool]) -> list[str]:
    """The names a question's asking part uses that none of the pages mention (`known`: do
    the pages use this word, lower case, or a name holding it?); the capital opening a
    sentence names nothing."""
    starts = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    out: list[str] = []
    for match in _NAMED.finditer(text):
        words = match.group(0).split()
        if match.start() in starts:
            words = words[1:] if len(words) > 1 else words
            if len(words) == 1 and not re.search("[A-Z].*[A-Z]", words[0]):
                continue
        if not all(known(word.lower()) for word in words):
            out.append(" ".join(words))
    return list(dict.fromkeys(out))


def unanswered_number(text: str, quoted: Sequence[str], listed: bool) -> str | None:
    """The number a question asks for ("how many days", "the maximum size") when none of
    the quotes the answer leads with holds a number (a count is answered by a list too:
    `listed`); None otherwise."""
    match = _QUANTITY.search(text)
    if match is None or any(_NUMBER.search(q) for q in quoted):
        return None
    phrase = match.group(0).strip().lower()
    if listed and phrase.startswith("how many"):
        return None
    return phrase if phrase.startswith(("how ", "the ")) else f"the {phrase}"


def missing(
    question: str,
    spans: Sequence[tuple[int, int]],
    quoted: Sequence[str],
    listed: bool,
    known: Callable[[str], bool],
) -> tuple[str, ...]:
    """What the answer should say the pages lack: names they never use, then the number
    asked for that the quotes it leads with do not give (`listed`: they include a list)."""
    text = asked(question, spans)
    gaps = absent_names(text, known)
    number = unanswered_number(text, quoted, listed)
    return tuple([*gaps, *([number] if number else [])])
