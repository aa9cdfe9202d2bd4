"""Whether the pages answer a question: the calibrated refusal model (app/refusal.py) applied
to the pages searched, with the topic probe where it recognises them."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from app.lexicon import words_of
from app.loaded import Asked, Loaded
from app.refusal import (
    DEFAULT_CALIBRATION,
    Calibration,
    Evidence,
    RefusalModel,
    gather,
    has_neighbours,
)
from app.scope import Scope

if TYPE_CHECKING:
    from docqa.settings import Settings


class Judge:
    """Reads the evidence about a question and decides whether the pages answer it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._calibration: Calibration | None = None

    @property
    def calibration(self) -> Calibration:
        """The refusal model, read on first use."""
        if self._calibration is None:
            path = self.settings.calibration or DEFAULT_CALIBRATION
            self._calibration = Calibration.load(path)
        return self._calibration

    @calibration.setter
    def calibration(self, value: Calibration) -> None:
        self._calibration = value

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

    def model(self, loaded: Loaded, scope: Scope | None = None) -> RefusalModel:
        """The refusal model for the pages searched: with neighbouring pages or without, and
        with the topic probe when it recognises them."""
        neighbours = has_neighbours(loaded.neighbours(scope))
        return self.calibration.model(neighbours, self.topic_applies(loaded, scope))

    def evidence(self, asked: Asked) -> Evidence:
        """What the refusal decision reads about a question."""
        loaded, scope, query = asked.loaded, asked.scope, asked.query
        evidence = gather(
            words_of(query.lexical), asked.sims, loaded.build.units, loaded.lexicon,
            loaded.neighbours(scope), query.vector, self.settings.refusal.closest,
        )  # fmt: skip
        topic = self.calibration.topic
        if topic is not None and self.topic_applies(loaded, scope):
            evidence = replace(evidence, topic=topic.probe.score(query.vector))
        return evidence

    def answers(self, asked: Asked) -> bool:
        """Whether the refusal model would let the pages answer this reading."""
        return self.model(asked.loaded, asked.scope).answers(self.evidence(asked))
