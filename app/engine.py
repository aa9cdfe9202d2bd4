"""The answer path shared by `docqa ask`, the Streamlit app and the evaluation."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from app.citing import cite, cited_first
from app.lexicon import Lexicon, words_of
from app.llm import (
    NOT_IN_SOURCES,
    build_prompt,
    chat_model,
    check_citations,
    stream_text,
    top_passages,
)
from app.models import Answer, Citation, Hit
from app.question import (
    Conversation,
    asking_spans,
    clean_question,
    conversation,
    is_short,
    leans_back,
)
from app.reader import Reading, candidates, select
from app.refusal import (
    DEFAULT_CALIBRATION,
    Calibration,
    Evidence,
    RefusalModel,
    gather,
    has_neighbours,
    reasons,
)
from app.retrieve import Query, Retrieval, Retriever, Vector
from app.scope import Scope
from app.spelling import Speller, note
from ingest.build import OpenedBuild, open_build
from ingest.neighbour_headings import Neighbours
from ingest.store import IndexInfo, open_store

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from docqa.settings import Settings
    from ingest.embed import Embedder

REFUSAL = "The documentation pages do not answer this question."
History = Sequence[str | Answer]


@dataclass(frozen=True)
class Loaded:
    """One index build, ready to search and read."""

    build: OpenedBuild
    retriever: Retriever
    lexicon: Lexicon
    rows: dict[str, list[int]]
    # Whether the topic probe recognises the pages searched, per guide ("" for every page).
    topic_checks: dict[str, bool] = field(default_factory=dict)

    @property
    def info(self) -> IndexInfo:
        """What built the index."""
        return self.build.info


def neighbours_of(loaded: Loaded, scope: Scope | None) -> Neighbours | None:
    """The pages a question is compared with beside those searched: the build's neighbouring
    pages, and when one guide is searched, the index's other guides too."""
    return loaded.build.neighbours if scope is None else scope.neighbours


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
        self.store = open_store(settings)
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._calibration: Calibration | None = None
        self._questions: OrderedDict[str, Vector] = OrderedDict()  # recent questions' vectors
        self._questions_lock = threading.Lock()
        self._spellers: dict[str, Speller] = {}  # per build: the pages' words differ

    @property
    def calibration(self) -> Calibration:
        """The refusal model, read on first use."""
        if self._calibration is None:
            self._calibration = Calibration.load(self.settings.calibration or DEFAULT_CALIBRATION)
        return self._calibration

    @calibration.setter
    def calibration(self, value: Calibration) -> None:
        self._calibration = value

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
        """The question as retrieval searches it. In a conversation it is read two ways: on
        its own, and with the whole conversation (its embedding blended with the
        conversation's, the mean of every question's; its words joined to the earlier
        questions'; the last answer's pages favoured). A question that does not read as a
        continuation and that the pages answer on its own (by the refusal model) is a new
        topic, read on its own."""
        if not chat.earlier:
            return Query(question, question, self.embed_questions([question])[0])
        vectors = self.embed_questions([*chat.earlier, question])
        alone = Query(question, question, vectors[-1])
        sims = loaded.retriever.unit_sims(alone.vector, scope)
        if not leans_back(question, self.settings.reader.short_question) and self.answerable(
            alone, sims, loaded, scope
        ):
            return alone
        whole = np.mean(vectors, axis=0)
        blended = vectors[-1] + whole / (np.linalg.norm(whole) or 1.0)
        blended = (blended / (np.linalg.norm(blended) or 1.0)).astype(np.float32)
        return Query(question, chat.text(question), blended, chat.cited)

    def embed_questions(self, questions: Sequence[str]) -> list[Vector]:
        """The questions' embeddings; a conversation's earlier questions were embedded when
        they were asked, so a follow-up costs the model one question, as any question does."""
        with self._questions_lock:
            missing = list(dict.fromkeys(q for q in questions if q not in self._questions))
        fresh = self._embed_focused(missing) if missing else {}
        with self._questions_lock:
            for text, vector in fresh.items():
                self._questions[text] = vector
                self._questions.move_to_end(text)
            while len(self._questions) > self.settings.retrieval.question_cache:
                self._questions.popitem(last=False)
            return [fresh[q] if q in fresh else self._questions[q] for q in questions]

    def _embed_focused(self, questions: Sequence[str]) -> dict[str, Vector]:
        """Each question's embedding. A question that tells a story or pastes an error before
        it asks is embedded whole and by what it asks (`Embedder.encode_focused`), and the
        two averaged: what it asks weighs at least as much as all the rest."""
        split = {q: s for q in questions if (s := asking_spans(q))}
        plain = [q for q in questions if q not in split]
        out = dict(zip(plain, self.embedder.encode(plain), strict=True)) if plain else {}
        for question, spans in split.items():
            vector = self.embedder.encode_focused(question, spans).sum(axis=0)
            out[question] = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
        return out

    def answerable(
        self, query: Query, sims: Vector, loaded: Loaded, scope: Scope | None = None
    ) -> bool:
        """Whether the refusal model would let the pages answer this reading."""
        evidence = self.evidence(query, sims, loaded, scope)
        return self.refusal_model(loaded, scope).answers(evidence)

    def topic_applies(self, loaded: Loaded, scope: Scope | None = None) -> bool:
        """Whether the calibration's topic probe recognises the pages searched (their
        section headings), so its score can join the refusal decision."""
        topic = self.calibration.topic
        if topic is None:
            return False
        key = "" if scope is None else scope.guide
        if key not in loaded.topic_checks:
            rows = loaded.retriever.heading_rows
            if scope is not None:
                rows = rows[scope.unit_rows[rows]]
            sample = self.settings.refusal.topic_sample
            if len(rows) > sample:  # a share is all it needs: an even sample will do
                rows = rows[np.linspace(0, len(rows) - 1, sample).astype(np.int64)]
            vectors = np.asarray(loaded.build.units.vectors[rows])
            share = self.settings.refusal.topic_min_share
            loaded.topic_checks[key] = topic.probe.recognises(vectors, share)
        return loaded.topic_checks[key]

    def refusal_model(self, loaded: Loaded, scope: Scope | None = None) -> RefusalModel:
        """The refusal model for the pages searched: with neighbouring pages or without, and
        with the topic probe when it recognises them."""
        neighbours = has_neighbours(neighbours_of(loaded, scope))
        return self.calibration.model(neighbours, self.topic_applies(loaded, scope))

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """Pages for a question asked on its own, best first."""
        with self.store.guard():
            loaded = self.load()
            text, _ = self.speller(loaded).correct(question)
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
            text, fixes = self.speller(loaded).correct(cleaned.text)
            query = self.query(text, chat, loaded, scoped)
            embed_ms = (time.perf_counter() - mark) * 1000
            found = loaded.retriever.search(query, k or self.settings.k, scoped)
        mark = time.perf_counter()
        warnings = (*cleaned.warnings, note(fixes)) if fixes else cleaned.warnings
        answer = replace(self._compose(text, query, found, loaded, scoped), warnings=warnings)
        if self.settings.answer_mode == "llm" and not answer.refused:
            answer = yield from self._generate(text, answer)
        else:
            yield from re.findall(r"\S+\s*", answer.text)
        timings = {"embed": embed_ms, **found.timings_ms}
        timings["retrieve"] = sum(timings.values())
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

    def evidence(
        self, query: Query, sims: Vector, loaded: Loaded, scope: Scope | None = None
    ) -> Evidence:
        """What the refusal decision reads about a question (`sims`: its cosine to every
        answer unit, -1 outside the scope)."""
        neighbours = neighbours_of(loaded, scope)
        words = words_of(query.lexical)
        units = loaded.build.units
        evidence = gather(
            words, sims, units, loaded.lexicon, neighbours, query.vector,
            self.settings.refusal.closest,
        )  # fmt: skip
        topic = self.calibration.topic
        if topic is not None and self.topic_applies(loaded, scope):
            evidence = replace(evidence, topic=topic.probe.score(query.vector))
        return evidence

    def _compose(
        self,
        question: str,
        query: Query,
        found: Retrieval,
        loaded: Loaded,
        scope: Scope | None = None,
    ) -> Answer:
        hits = tuple(found.hits)
        build = loaded.build
        reading = Reading(
            build.units, build.chunks, found.unit_sims, words_of(query.lexical), loaded.lexicon,
            self.settings.reader,
        )  # fmt: skip
        chosen = select(candidates(hits, reading, loaded.rows), reading)
        evidence = self.evidence(query, found.unit_sims, loaded, scope)
        model = self.refusal_model(loaded, scope)
        signals = {
            "p_answerable": model.probability(evidence),
            **dict(zip(model.features, evidence.values(model.features), strict=True)),
        }
        # A short follow-up of an answered question has few words of its own to judge: it is
        # on the conversation's topic unless nothing on the pages is near it at all.
        follow_up = bool(query.prior_pages) and is_short(
            question, self.settings.reader.short_question
        )
        floor = evidence.similarity >= model.min_similarity
        answers = floor if follow_up else model.answers(evidence)
        if not answers or not chosen:
            why = reasons(evidence, model) if chosen else ["no passage matches the question"]
            return Answer(
                question, REFUSAL, True, related=related(hits), hits=hits, signals=signals,
                reasons=tuple(why),
            )  # fmt: skip
        text, citations = cite(chosen)
        ranked = cited_first(hits, [c.page for c in citations])
        return Answer(question, text, False, citations=citations, hits=ranked, signals=signals)
