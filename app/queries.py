"""A question as retrieval searches it: embedded once (a story or a pasted error weighed
against what it asks), and in a conversation read with the questions before it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.judge import Judge
from app.loaded import Asked, Loaded
from app.question import Conversation, asking_spans, leans_back
from app.retrieve import Query, Vector
from app.scope import Scope

if TYPE_CHECKING:
    from docqa.settings import Settings
    from ingest.embed import Embedder


class Questions:
    """Embeds questions (recent ones kept, for their follow-ups) and reads them in their
    conversation."""

    def __init__(self, settings: Settings, embedder: Callable[[], Embedder]) -> None:
        self.settings, self.embedder = settings, embedder
        self._vectors: OrderedDict[str, Vector] = OrderedDict()
        self._lock = threading.Lock()

    def query(
        self,
        question: str,
        chat: Conversation,
        loaded: Loaded,
        judge: Judge,
        scope: Scope | None = None,
    ) -> Query:
        """The question as retrieval searches it. In a conversation it is read two ways: on
        its own, and with the whole conversation (its embedding blended with the
        conversation's, the mean of every question's; its words joined to the earlier
        questions'; the last answer's pages favoured). A question that does not read as a
        continuation and that the pages answer on its own (by the refusal model) is a new
        topic, read on its own."""
        if not chat.earlier:
            return Query(question, question, self.embed([question])[0])
        vectors = self.embed([*chat.earlier, question])
        alone = Query(question, question, vectors[-1])
        short = self.settings.reader.short_question
        if not leans_back(question, short) and judge.answers(Asked.of(alone, loaded, scope)):
            return alone
        whole = np.mean(vectors, axis=0)
        blended = vectors[-1] + whole / (np.linalg.norm(whole) or 1.0)
        blended = (blended / (np.linalg.norm(blended) or 1.0)).astype(np.float32)
        return Query(question, chat.text(question), blended, chat.cited)

    def embed(self, questions: Sequence[str]) -> list[Vector]:
        """The questions' embeddings; a conversation's earlier questions were embedded when
        they were asked, so a follow-up costs the model one question, as any question does."""
        with self._lock:
            missing = list(dict.fromkeys(q for q in questions if q not in self._vectors))
        fresh = self._embed_focused(missing) if missing else {}
        with self._lock:
            for text, vector in fresh.items():
                self._vectors[text] = vector
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.settings.retrieval.question_cache:
                self._vectors.popitem(last=False)
            return [fresh[q] if q in fresh else self._vectors[q] for q in questions]

    def _embed_focused(self, questions: Sequence[str]) -> dict[str, Vector]:
        """Each question's embedding. A question that tells a story or pastes an error before
        it asks is embedded whole and by what it asks (`Embedder.encode_focused`), and the
        two averaged: what it asks weighs at least as much as all the rest."""
        embedder = self.embedder()
        split = {q: s for q in questions if (s := asking_spans(q))}
        plain = [q for q in questions if q not in split]
        out = dict(zip(plain, embedder.encode(plain), strict=True)) if plain else {}
        for question, spans in split.items():
            vector = embedder.encode_focused(question, spans).sum(axis=0)
            out[question] = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
        return out
