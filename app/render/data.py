"""An answer as JSON-ready data: the shape `docqa ask --json` prints."""

from __future__ import annotations

from typing import Any

from app.models import Answer, Citation
from app.render.plain import answer_text, block_text


def citation_data(citation: Citation) -> dict[str, Any]:
    """One source: where it is and the passage it holds."""
    return {
        "n": citation.n,
        "page": citation.page,
        "title": citation.title,
        "section": citation.section,
        "url": citation.url,
        "passage": citation.passage,
        "score": round(citation.score, 4),
    }


def answer_data(answer: Answer) -> dict[str, Any]:
    """The answer, its blocks with the sources each cites, and its evidence."""
    return {
        "question": answer.question,
        "answer": answer_text(answer),
        "refused": answer.refused,
        "partial": answer.partial,
        "missing": list(answer.missing),
        "reasons": list(answer.reasons),
        "blocks": [
            {
                "kind": b.kind,
                "role": b.role,
                "text": block_text(b, close=False),
                "citations": list(b.citations),
            }
            for b in answer.blocks
        ],
        "citations": [citation_data(c) for c in answer.citations],
        "related": [citation_data(c) for c in answer.related],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
        "warnings": list(answer.warnings),
    }
