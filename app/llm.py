"""Optional LLM answers through LangChain's chat-model interface, with citations checked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.markers import numbered
from app.models import AnswerBlock, Citation, Passage, Quote
from docqa.errors import DocqaError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from docqa.settings import Settings

PROMPT = Path(__file__).with_name("prompts") / "answer.txt"
NOT_IN_SOURCES = "NOT IN SOURCES"
_TAG = re.compile(r"<\s*/?\s*source\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(sources|question)\}")


class NoLLMError(DocqaError):
    """LLM answers were asked for, but no model is configured."""


def chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named in settings (Ollama, or any OpenAI-compatible server)."""
    from langchain.chat_models import init_chat_model

    if not settings.llm_model:
        raise NoLLMError("No LLM configured: set DOCQA_LLM_MODEL (and DOCQA_LLM_BASE_URL).")
    kwargs: dict[str, Any] = {"temperature": 0}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key
    model: BaseChatModel = init_chat_model(
        settings.llm_model, model_provider=settings.llm_provider, **kwargs
    )
    return model


@dataclass(frozen=True)
class Sources:
    """The numbered passages given to the model."""

    passages: tuple[Passage, ...]

    def render(self) -> str:
        """Sources as delimited data blocks for the prompt; nothing inside can close one."""
        blocks = []
        for n, p in enumerate(self.passages, 1):
            title = html.escape(f"{p.title} - {p.section}", quote=True)
            text = _TAG.sub(lambda m: "&lt;" + m.group(0)[1:], p.text)
            blocks.append(f'<source n="{n}" title="{title}">\n{text}\n</source>')
        return "\n".join(blocks)


def build_prompt(question: str, sources: Sources) -> str:
    """The prompt file filled with the question and the sources, in one pass."""
    # One pass: a placeholder written in a page or a question is left as it is.
    template = PROMPT.read_text(encoding="utf-8")
    values = {"sources": sources.render(), "question": question}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def stream_text(model: BaseChatModel, prompt: str) -> Iterator[str]:
    """Tokens as the model produces them."""
    for chunk in model.stream(prompt):
        text = chunk.content if isinstance(chunk.content, str) else ""
        if text:
            yield text


def check_citations(
    text: str, sources: Sources
) -> tuple[tuple[AnswerBlock, ...], tuple[Citation, ...], int]:
    """The model's answer as blocks of sentences, each citing the sources its markers name
    (renumbered 1..n in order of first citation); a sentence that names no valid source is
    left out. Also says how many were left out."""
    valid = range(1, len(sources.passages) + 1)
    order: dict[int, int] = {}
    quotes: list[Quote] = []
    dropped = 0
    for sentence, numbers in numbered(text):
        cited = [n for n in numbers if n in valid]
        if not cited:
            dropped += 1
            continue
        for n in cited:
            order.setdefault(n, len(order) + 1)
        quotes.append(Quote("sentence", sentence, tuple(order[n] for n in cited)))
    citations = []
    for old, new in order.items():
        p = sources.passages[old - 1]
        passage = p.chunk.blocks
        citations.append(Citation(new, p.page_id, p.title, p.section, p.link, passage, p.score))
    answer = (AnswerBlock("prose", tuple(quotes)),) if quotes else ()
    return answer, tuple(citations), dropped


def top_passages(passages: Sequence[Passage], n: int = 6) -> Sources:
    """The passages to show the model, best first."""
    return Sources(tuple(sorted(passages, key=lambda p: -p.score)[:n]))
