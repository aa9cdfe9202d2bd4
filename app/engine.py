"""The answer path shared by `docqa ask`, the Streamlit app and the evaluation."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from app.citing import cite, cited_first
from app.gaps import missing
from app.judge import Judge
from app.lexicon import Lexicon, words_of
from app.llm import (
    NOT_IN_SOURCES,
    build_prompt,
    chat_model,
    check_citations,
    stream_text,
    top_passages,
)
from app.loaded import Asked, Loaded
from app.models import Answer, Citation, Hit
from app.queries import Questions
from app.question import Conversation, asking_spans, clean_question, conversation, is_short
from app.reader import Reading, candidates, compose
from app.refusal import Calibration, reasons
from app.render.plain import answer_text
from app.retrieve import Query, Retrieval, Retriever
from app.safety import REASON as MISUSE
from app.safety import misuse
from app.scope import Scope
from app.spelling import Fix, Speller, note
from ingest.build import open_build
from ingest.store import open_store

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from docqa.settings import Settings
    from ingest.embed import Embedder

History = Sequence[str | Answer]


def related(hits: Sequence[Hit], n: int = 3) -> tuple[Citation, ...]:
    """The closest pages, offered when the answer is a refusal."""
    return tuple(
        Citation(
            i,
            h.page_id,
            h.best.title,
            h.best.section,
            h.best.link,
            h.best.chunk.blocks,
            h.score,
        )
        for i, h in enumerate(hits[:n], 1)
    )


class Engine:
    """Answers questions from the active index build; reloads when a new build is published."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        llm: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self._llm = llm
        self.store = open_store(settings)
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._spellers: dict[str, Speller] = {}  # per build: the pages' words differ
        self.judge = Judge(settings)
        self.questions = Questions(settings, lambda: self.embedder)

    @property
    def calibration(self) -> Calibration:
        """The refusal model, read on first use."""
        return self.judge.calibration

    @calibration.setter
    def calibration(self, value: Calibration) -> None:
        self.judge.calibration = value

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded once."""
        if self._embedder is None:
            from ingest.embed import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def llm(self) -> BaseChatModel:
        """The configured chat model, built on first use."""
        if self._llm is None:
            self._llm = chat_model(self.settings)
        return self._llm

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
        build = open_build(self.settings, self.store, lambda texts: self.embedder.encode(texts))
        lexicon = Lexicon(build.idf)
        retriever = Retriever(build, self.settings.retrieval)
        return Loaded(build, retriever, lexicon, retriever.rows)

    def speller(self, loaded: Loaded) -> Speller:
        """Reads a build's question typos as its pages' words (the model's vocabulary being
        the English words spelt right)."""
        build_id = loaded.info.build_id
        if build_id not in self._spellers:
            self._spellers = {build_id: Speller(loaded.build.idf, self.embedder.vocabulary())}
        return self._spellers[build_id]

    def query(
        self, question: str, chat: Conversation, loaded: Loaded, scope: Scope | None = None
    ) -> Query:
        """The question as retrieval searches it (app/queries.py)."""
        return self.questions.query(question, chat, loaded, self.judge, scope)

    def topic_applies(self, loaded: Loaded, scope: Scope | None = None) -> bool:
        """Whether the refusal model's topic probe knows the pages searched."""
        return self.judge.topic_applies(loaded, scope)

    def read_typos(self, loaded: Loaded, text: str) -> tuple[str, tuple[Fix, ...]]:
        """The question with its typos read as the pages' words, and what was read how
        (unchanged when the `reader.read_typos` setting is off)."""
        if not self.settings.reader.read_typos:
            return text, ()
        return self.speller(loaded).correct(text)

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """Pages for a question asked on its own, best first."""
        with self.store.guard():
            loaded = self.load()
            text, _ = self.read_typos(loaded, question)
            query = self.query(text, Conversation(), loaded)
            return loaded.retriever.search(query, k or self.settings.k)

    def ask(
        self, question: str, history: History = (), k: int | None = None, scope: str | None = None
    ) -> Answer:
        """Answer a question from the pages (of one guide, with `scope`), with citations, or
        refuse."""
        for item in self.stream(question, history, k, scope):
            if isinstance(item, Answer):
                return item
        raise RuntimeError("the answer stream ended without an answer")

    def stream(
        self, question: str, history: History = (), k: int | None = None, scope: str | None = None
    ) -> Iterator[str | Answer]:
        """Pieces of the answer text as they are ready, then the finished Answer. `scope`
        names one guide to answer from ("" for every page; None: the setting)."""
        start = time.perf_counter()
        cleaned = clean_question(question, self.settings.max_question_chars)
        chat = conversation(history)
        with self.store.guard():  # a lost server becomes IndexUnavailableError, with its fix
            loaded = self.load()
            scoped = loaded.retriever.scoped(self.settings.scope if scope is None else scope)
            mark = time.perf_counter()
            text, fixes = self.read_typos(loaded, cleaned.text)
            query = self.query(text, chat, loaded, scoped)
            embed_ms = (time.perf_counter() - mark) * 1000
            found = loaded.retriever.search(query, k or self.settings.k, scoped)
        mark = time.perf_counter()
        warnings = (*cleaned.warnings, note(fixes)) if fixes else cleaned.warnings
        asked = Asked(query, loaded, scoped, found.unit_sims)
        answer = replace(self._compose(text, asked, found), warnings=warnings)
        if self.settings.answer_mode == "llm" and not answer.refused:
            answer = yield from self._generate(text, answer)
        else:
            yield from re.findall(r"\S+\s*", answer_text(answer))
        timings = {"embed": embed_ms, **found.timings_ms}
        timings["retrieve"] = sum(timings.values())
        timings["answer"] = (time.perf_counter() - mark) * 1000
        timings["total"] = (time.perf_counter() - start) * 1000
        yield replace(answer, timings_ms=timings)

    def _generate(self, question: str, extractive: Answer) -> Generator[str, None, Answer]:
        """Stream an LLM answer; a sentence that cites no source is left out, and with none
        left the extractive answer stands."""
        sources = top_passages([p for hit in extractive.hits[:3] for p in hit.passages])
        pieces: list[str] = []
        for piece in stream_text(self.llm, build_prompt(question, sources)):
            pieces.append(piece)
            yield piece
        text = "".join(pieces)
        blocks, citations, dropped = check_citations(text, sources)
        if not citations or NOT_IN_SOURCES in text:
            note = "The LLM answer cited no source, so the extractive answer is shown."
            return replace(extractive, warnings=(*extractive.warnings, note))
        warnings = extractive.warnings
        if dropped:
            left = f"{dropped} sentence(s) of the LLM answer cited no source and were left out."
            warnings = (*warnings, left)
        return replace(
            extractive, blocks=blocks, citations=citations, mode="llm", warnings=warnings
        )

    def _compose(self, question: str, asked: Asked, found: Retrieval) -> Answer:
        """The extractive answer, or a refusal with its reasons."""
        hits, build = tuple(found.hits), asked.loaded.build
        if self.settings.refusal.refuse_misuse and misuse(question):
            return Answer(question, (), True, hits=hits, reasons=(MISUSE,))
        reading = Reading(
            build.units, build.chunks, asked.sims, words_of(asked.query.lexical),
            asked.loaded.lexicon, self.settings.reader,
        )  # fmt: skip
        chosen = compose(candidates(hits, reading, asked.loaded.rows), reading)
        evidence = self.judge.evidence(asked)
        model = self.judge.model(asked.loaded, asked.scope)
        signals = {
            "p_answerable": model.probability(evidence),
            **dict(zip(model.features, evidence.values(model.features), strict=True)),
        }
        # A short follow-up of an answered question has few words of its own to judge: it is
        # on the conversation's topic unless nothing on the pages is near it at all.
        short = self.settings.reader.short_question
        follow_up = bool(asked.query.prior_pages) and is_short(question, short)
        floor = evidence.similarity >= model.min_similarity
        answers = floor if follow_up else model.answers(evidence)
        if not answers or not chosen:
            why = reasons(evidence, model) if chosen else ["no passage matches the question"]
            return Answer(
                question, (), True, related=related(hits), hits=hits, signals=signals,
                reasons=tuple(why),
            )  # fmt: skip
        blocks, citations = cite(chosen.groups())
        ranked = cited_first(hits, [c.page for c in citations])
        lead = [b for b in blocks if b.role == "lead"]
        quoted = [q.text for b in lead for q in b.quotes]
        listed = any(b.kind in ("list", "table") and len(b.quotes) > 1 for b in blocks)
        lexicon = asked.loaded.lexicon
        lacks = missing(question, asking_spans(question), quoted, listed, lexicon.mentions)
        lacks = lacks if self.settings.refusal.name_gaps else ()
        return Answer(
            question, blocks, False, citations=citations, hits=ranked, signals=signals,
            missing=lacks,
        )  # fmt: skip
