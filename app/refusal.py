"""Whether the pages hold the answer: one calibrated probability from a few measurements of
the question against the pages (and against neighbouring pages that are not indexed).

The model is a logistic regression fitted by `docqa calibrate` on pseudo-questions made from
documents only (docs/refusal.md): never on evaluation questions."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from app.lexicon import Lexicon
from app.retrieve import Vector
from docqa.errors import DocqaError
from ingest.neighbour_headings import Neighbours
from ingest.units import UnitIndex

DEFAULT_CALIBRATION = Path(__file__).with_name("calibration.json")
# Every feature a model may read, and which way it points toward answering (a reason is only
# said for a feature whose value lies on the refusing side of its mean: a fitted weight can
# turn against its feature's sense when two features move together).
SENSE = {"similarity": 1.0, "coverage": 1.0, "neighbour_margin": -1.0, "topic": 1.0}
FEATURES = tuple(SENSE)


class CalibrationError(DocqaError):
    """A calibration file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Evidence:
    """What the refusal decision reads about one question."""

    similarity: float  # best cosine of the question to an answer unit of the pages
    coverage: float  # share of the question's words (by rarity) that one close unit holds
    neighbour: float | None = None  # best cosine to a heading of a neighbouring page
    neighbour_heading: str = ""
    neighbour_page: str = ""
    topic: float | None = None  # the topic probe's log-odds that the pages cover the question

    @property
    def neighbour_margin(self) -> float:
        """How much better a neighbouring page's heading matches than the pages do."""
        return 0.0 if self.neighbour is None else self.neighbour - self.similarity

    def values(self, names: Sequence[str]) -> list[float]:
        """The named features, in order."""
        return [float(getattr(self, name)) for name in names]


def has_neighbours(neighbours: Neighbours | None) -> TypeGuard[Neighbours]:
    """Whether there are neighbouring pages to compare with: none may be set, or every one
    of them may be indexed (a build of whole guides), and then the model without them
    decides."""
    return neighbours is not None and len(neighbours.headings) > 0


def gather(
    words: Sequence[str],
    sims: Vector,
    units: UnitIndex,
    lexicon: Lexicon,
    neighbours: Neighbours | None,
    vector: Vector,
    closest: int = 10,
) -> Evidence:
    """Measure a question (its words, its cosine to every unit, its vector) against the
    pages and the neighbouring pages; word coverage is read on the `closest` units."""
    if not len(sims):
        return Evidence(0.0, 0.0)
    n = closest
    top = np.argpartition(-sims, n)[:n] if len(sims) > n else np.arange(len(sims))
    nearest = top[np.argsort(-sims[top], kind="stable")]
    weighed = lexicon.weighed(words)
    unit = units.units
    coverage = max(weighed.coverage(unit[i].text, unit[i].heading, 1.0) for i in nearest)
    if has_neighbours(neighbours):
        near = neighbours.vectors @ vector
        best = int(np.argmax(near))
        return Evidence(
            float(sims[nearest[0]]),
            coverage,
            float(near[best]),
            neighbours.headings[best],
            neighbours.pages[best],
        )
    return Evidence(float(sims[nearest[0]]), coverage)


@dataclass(frozen=True)
class RefusalModel:
    """A logistic regression over standardised features: P(the pages answer)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float = 0.5
    # Below this similarity nothing is answered: fewer than 1 in 100 questions made from the
    # pages themselves are this far from every passage.
    min_similarity: float = 0.0

    def contributions(self, evidence: Evidence) -> dict[str, float]:
        """Each feature's push on the log-odds (negative: toward refusing)."""
        values = evidence.values(self.features)
        return {
            name: w * (x - m) / s
            for name, w, x, m, s in zip(
                self.features, self.weights, values, self.means, self.scales, strict=True
            )
        }

    def probability(self, evidence: Evidence) -> float:
        """Calibrated probability that the pages hold the answer."""
        z = self.bias + sum(self.contributions(evidence).values())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def answers(self, evidence: Evidence) -> bool:
        """The decision: close enough in meaning, and likely enough to be answered."""
        if evidence.similarity < self.min_similarity:
            return False
        return self.probability(evidence) >= self.threshold


@dataclass(frozen=True)
class TopicProbe:
    """A linear probe on the question's embedding: the log-odds that its topic is one the
    indexed pages cover rather than one of the neighbouring pages' or general text's. It holds
    for the pages it was fitted on (or a revision of them), which it recognises: nearly all
    their section headings score as covered, while another guide's mostly do not."""

    weights: tuple[float, ...]
    bias: float

    @cached_property
    def _vector(self) -> Vector:
        return np.asarray(self.weights, dtype=np.float32)

    def scores(self, vectors: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Log-odds for each row of unit-length embeddings."""
        return np.asarray(vectors, dtype=np.float32) @ self._vector + np.float32(self.bias)

    def score(self, vector: Vector) -> float:
        """Log-odds for one question's embedding."""
        return float(self.scores(vector[None, :])[0])

    def recognises(self, headings: np.ndarray[Any, Any], min_share: float = 0.9) -> bool:
        """Whether these are (at least `min_share` of them) headings of the pages it was
        fitted on, embedded by the model it was fitted with (another model's vectors are
        never recognised)."""
        if headings.ndim != 2 or len(headings) == 0 or headings.shape[1] != len(self.weights):
            return False
        return float((self.scores(headings) > 0).mean()) >= min_share


@dataclass(frozen=True)
class TopicModels:
    """The topic probe, and the two refusal models that read its score beside the rest."""

    probe: TopicProbe
    with_neighbours: RefusalModel
    without_neighbours: RefusalModel


@dataclass(frozen=True)
class Calibration:
    """The refusal models (with and without neighbouring pages; with the topic probe, when
    it was fitted and recognises the pages searched) and how they were made."""

    with_neighbours: RefusalModel
    without_neighbours: RefusalModel
    about: dict[str, Any] = field(default_factory=dict)
    topic: TopicModels | None = None

    def model(self, neighbours: bool, topic: bool = False) -> RefusalModel:
        """The model for pages that have (or lack) neighbouring pages, and that the topic
        probe recognises (or not)."""
        if topic and self.topic is not None:
            return self.topic.with_neighbours if neighbours else self.topic.without_neighbours
        return self.with_neighbours if neighbours else self.without_neighbours

    def save(self, path: Path) -> None:
        """Write as JSON."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CalibrationError(f"Cannot write {path}: {exc.strerror or exc}") from exc

    @classmethod
    def load(cls, path: Path = DEFAULT_CALIBRATION) -> Calibration:
        """Read a file written by `save`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            models = {key: _model(data[key]) for key in ("with_neighbours", "without_neighbours")}
            topic = _topic(data.get("topic"))
        except FileNotFoundError as exc:
            raise CalibrationError(f"Calibration file {path} does not exist") from exc
        except OSError as exc:
            raise CalibrationError(f"Calibration file {path} cannot be read: {exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise CalibrationError(f"Calibration file {path} is not usable: {exc}") from exc
        pair = (topic.with_neighbours, topic.without_neighbours) if topic else ()
        for model in (*models.values(), *pair):
            if not set(model.features) <= set(FEATURES):
                raise CalibrationError(f"Calibration file {path}: unknown feature")
        return cls(about=data.get("about", {}), topic=topic, **models)


def _model(data: dict[str, Any]) -> RefusalModel:
    return RefusalModel(**{k: _tuple(v) for k, v in data.items()})


def _topic(data: dict[str, Any] | None) -> TopicModels | None:
    if data is None:  # a calibration fitted before the probe, or without one
        return None
    probe = TopicProbe(tuple(data["probe"]["weights"]), float(data["probe"]["bias"]))
    if not probe.weights:
        raise ValueError("the topic probe has no weights")
    return TopicModels(probe, _model(data["with_neighbours"]), _model(data["without_neighbours"]))


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def reasons(evidence: Evidence, model: RefusalModel) -> list[str]:
    """Why the pages do not hold the answer, in words a user reads: the measurements that
    pushed the decision toward refusing, strongest first."""
    pushes = sorted(model.contributions(evidence).items(), key=lambda kv: kv[1])
    values = dict(zip(model.features, evidence.values(model.features), strict=True))
    means = dict(zip(model.features, model.means, strict=True))
    said = []
    if evidence.similarity < model.min_similarity:
        said.append(_REASONS["similarity"](evidence))
        pushes = [(n, p) for n, p in pushes if n != "similarity"]
    for name, push in pushes:
        if push < 0 and SENSE[name] * (values[name] - means[name]) < 0:
            said.append(_REASONS[name](evidence))
    return said or ["the closest passages do not answer it clearly enough"]


_REASONS: dict[str, Callable[[Evidence], str]] = {
    "similarity": lambda e: (
        "no passage of the pages is close in meaning to the question "
        f"(best match {e.similarity:.2f})"
    ),
    "coverage": lambda e: (
        f"the closest passages hold few of the question's words ({e.coverage:.0%} of their weight)"
    ),
    "topic": lambda e: "it reads like a question for documentation outside the pages searched",
    "neighbour_margin": lambda e: (
        "a page outside the pages searched matches it better: "
        f'"{e.neighbour_heading}" ({e.neighbour_page})'
    ),
}
