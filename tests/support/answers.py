"""Checks on answers that several test files share."""

from __future__ import annotations

from typing import Any

from app.models import Answer, AnswerBlock, Quote


def unquoted(answer: Answer) -> list[str]:
    """Quotes of the answer that the passage of a source they cite does not hold (a section
    title is held by its source's section); a quote that cites nothing is one too."""
    sources = {c.n: c for c in answer.citations}
    bad = []
    for block in answer.blocks:
        for quote in block.quotes:
            cited = [sources[n] for n in quote.citations if n in sources]
            held = [
                quote.text == c.section if quote.kind == "heading" else quote.text in c.passage
                for c in cited
            ]
            if not cited or not all(held):
                bad.append(quote.text)
    return bad


def said(*sentences: tuple[str, int]) -> tuple[AnswerBlock, ...]:
    """An answer's blocks: one paragraph of (sentence, source number) quotes."""
    quotes = tuple(Quote("sentence", text, (n,) if n else ()) for text, n in sentences)
    return (AnswerBlock("prose", quotes),) if quotes else ()


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer object minus what differs between two askings (how long each took)."""
    return {key: value for key, value in answer.items() if key != "timings_ms"}
