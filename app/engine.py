"""The answer path shared by `docqa ask`, the Streamlit app and the evaluation."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app.extract import cite, coverage, idf_table, score_units, select
from app.llm import (
    NOT_IN_SOURCES,
    build_prompt,
    chat_model,
    check_citations,
    stream_text,
    top_passages,
)
from app.models import Answer, Citation, Hit
from app.question import clean_question, contextualise
from app.refusal import (
    Thresholds,
    Vocabulary,
    missing_quantity,
    refusal_reasons,
    unknown_names,
    unknown_words,
)
from app.retrieve import FusionConfig, Retrieval, Retriever
from ingest.lexical import LexicalIndex, tokenize
from ingest.store import IndexInfo, IndexStore
from ingest.wordvectors import WordVectors, page_word_vectors

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from docqa.settings import Settings
    from ingest.embed import Embedder

REFUSAL = "The documentation pages do not answer this question."


@dataclass(frozen=True)
class Loaded:
    """One index build, ready to search."""

    info: IndexInfo
    retriever: Retriever
    idf: dict[str, float]
    vocabulary: Vocabulary


def related(hits: Sequence[Hit], n: int = 3) -> tuple[Citation, ...]:
    """The closest pages, offered when the answer is a refusal."""
    return tuple(
        Citation(i, h.page_id, h.best.title, h.best.section, h.best.link, h.best.text, h.score)
        for i, h in enumerate(hits[:n], 1)
    )


class Engine:
    """Answers questions from the active index build; reloads when a new build is published."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        chat: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self._chat = chat
        self.store = IndexStore(settings)
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self.thresholds = Thresholds(
            settings.refuse_min_dense, settings.refuse_min_coverage, settings.refuse_max_unknown
        )

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded once."""
        if self._embedder is None:
            from ingest.embed import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    def load(self) -> Loaded:
        """The active build; switches to a newer one as soon as it is published."""
        with self.store.guard():
            current = self.store.current_id()
            loaded = self._loaded
            if loaded is not None and loaded.info.build_id == current:
                return loaded
            with self._lock:
                if self._loaded is None or self._loaded.info.build_id != self.store.current_id():
                    self._loaded = self._open()
                return self._loaded

    def _open(self) -> Loaded:
        info, collection = self.store.open_current(self.settings.embedding_id)
        folder = self.store.lexical_dir(info.build_id)
        lexical = (
            LexicalIndex.load(folder)
            if (folder / "ids.json").is_file()
            else LexicalIndex.from_collection(collection)
        )
        fusion = FusionConfig(self.settings.dense_weight, self.settings.lexical_weight)
        retriever = Retriever(collection, lexical, self.embedder, fusion)
        idf = idf_table(f"{p.heading_path}\n{p.text}" for p in retriever.passages.values())
        words = WordVectors.load(folder)
        if words is None:  # a build made before ingest kept word vectors, or read from afar
            cache = self.settings.model_cache
            words, _ = page_word_vectors(lexical.words, self.embedder.encode, cache)
            if (folder / "ids.json").is_file():  # kept beside a local build, never made here
                with contextlib.suppress(OSError):
                    words.save(folder)
        vocabulary = Vocabulary(
            idf,
            lambda ws: words.closest(self.embedder.encode(ws)),
            self.settings.refuse_synonym_similarity,
        )
        return Loaded(info, retriever, idf, vocabulary)

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """Pages for a query, best first."""
        with self.store.guard():
            return self.load().retriever.search(question, k or self.settings.k)

    def ask(
        self, question: str, history: Sequence[str | Answer] = (), k: int | None = None
    ) -> Answer:
        """Answer a question from the pages, with citations, or refuse."""
        for item in self.stream(question, history, k):
            if isinstance(item, Answer):
                return item
        raise RuntimeError("the answer stream ended without an answer")

    def stream(
        self, question: str, history: Sequence[str | Answer] = (), k: int | None = None
    ) -> Iterator[str | Answer]:
        """Pieces of the answer text as they are ready, then the finished Answer."""
        start = time.perf_counter()
        cleaned = clean_question(question, self.settings.max_question_chars)
        earlier = [h.question if isinstance(h, Answer) else h for h in history]
        query = contextualise(cleaned.text, earlier)
        with self.store.guard():  # a lost server becomes IndexUnavailableError, with its fix
            loaded = self.load()
            found = loaded.retriever.search(query, k or self.settings.k)
        mark = time.perf_counter()
        answer = replace(
            self._compose(cleaned.text, query, found, loaded), warnings=cleaned.warnings
        )
        if self.settings.answer_mode == "llm" and not answer.refused:
            answer = yield from self._generate(cleaned.text, answer)
        else:
            yield from re.findall(r"\S+\s*", answer.text)
        timings = dict(found.timings_ms)
        timings["retrieve"] = sum(found.timings_ms.values())
        timings["answer"] = (time.perf_counter() - mark) * 1000
        timings["total"] = (time.perf_counter() - start) * 1000
        yield replace(answer, timings_ms=timings)

    @property
    def chat(self) -> BaseChatModel:
        """The configured chat model, built on first use."""
        if self._chat is None:
            self._chat = chat_model(self.settings)
        return self._chat

    def _generate(self, question: str, extractive: Answer) -> Generator[str, None, Answer]:
        """Stream an LLM answer; fall back to the extractive one when no citation survives."""
        sources = top_passages([p for hit in extractive.hits[:3] for p in hit.passages])
        pieces: list[str] = []
        for piece in stream_text(self.chat, build_prompt(question, sources)):
            pieces.append(piece)
            yield piece
        text, citations = check_citations("".join(pieces), sources)
        if not citations or NOT_IN_SOURCES in text:
            note = "The LLM answer cited no source, so the extractive answer is shown."
            return replace(extractive, warnings=(*extractive.warnings, note))
        return replace(extractive, text=text, citations=citations, mode="llm")

    def _compose(self, question: str, query: str, found: Retrieval, loaded: Loaded) -> Answer:
        hits = tuple(found.hits)
        units = score_units(query, hits, loaded.idf)
        chosen = select(units)
        support = max((coverage(tokenize(query), u.text, loaded.idf) for u in chosen), default=0)
        vocabulary = loaded.vocabulary
        words = unknown_words(question, vocabulary)
        names = unknown_names(question, vocabulary)
        signals = {
            "top_dense": found.top_dense,
            "support": support,
            "unknown": words.share(vocabulary.min_similarity),
            "unknown_names": len(names),
            "missing_quantity": float(missing_quantity(question, " ".join(u.text for u in chosen))),
        }
        missing = words.missing(vocabulary.min_similarity)
        reasons = refusal_reasons(signals, self.thresholds, names, missing)
        if not chosen and not reasons:
            reasons.append("no sentence of the closest passages matches the question")
        if reasons:
            return Answer(
                question,
                REFUSAL,
                True,
                related=related(hits),
                hits=hits,
                signals=signals,
                reasons=tuple(reasons),
            )
        text, citations = cite(chosen)
        return Answer(question, text, False, citations=citations, hits=hits, signals=signals)
