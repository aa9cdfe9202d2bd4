"""The refusal model: evidence, the calibrated decision, its reasons, and its file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.lexicon import Lexicon
from app.refusal import (
    DEFAULT_CALIBRATION,
    Calibration,
    CalibrationError,
    Evidence,
    RefusalModel,
    TopicModels,
    TopicProbe,
    gather,
    has_neighbours,
    reasons,
)
from ingest.models import Unit
from ingest.neighbour_headings import Neighbours
from ingest.units import UnitIndex

MODEL = RefusalModel(
    features=("similarity", "coverage", "neighbour_margin"),
    weights=(1.0, 1.0, -2.0),
    bias=0.0,
    means=(0.5, 0.5, 0.0),
    scales=(0.1, 0.2, 0.1),
    min_similarity=0.2,
)


def test_the_decision_follows_each_feature_the_way_its_weight_says() -> None:
    base = Evidence(0.5, 0.5, 0.5)  # margin 0.0: the model's mean
    assert MODEL.probability(base) == pytest.approx(0.5)
    assert MODEL.answers(Evidence(0.6, 0.5, 0.6))
    assert not MODEL.answers(Evidence(0.4, 0.5, 0.4))
    # A neighbouring page that matches better pushes toward refusing.
    assert MODEL.probability(Evidence(0.6, 0.6, 0.9)) < MODEL.probability(Evidence(0.6, 0.6, 0.5))


def test_below_the_similarity_floor_nothing_is_answered() -> None:
    far = Evidence(0.15, 1.0, 0.0)  # a neighbour even farther: the model alone would answer
    assert MODEL.probability(far) > 0.5 and not MODEL.answers(far)
    assert reasons(far, MODEL)[0].startswith("no passage of the pages is close in meaning")


def test_reasons_name_the_neighbouring_page_that_answers_instead() -> None:
    evidence = Evidence(0.55, 0.6, 0.85, "Shelf quotas > Documents per shelf", "quill/quotas")
    said = reasons(evidence, MODEL)
    assert said[0] == (
        'a page outside the pages searched matches it better: "Shelf quotas > Documents per shelf" '
        "(quill/quotas)"
    )
    assert all("close in meaning" not in r for r in said)  # similarity pushed toward answering


def test_gather_measures_the_closest_unit_and_the_best_neighbour() -> None:
    units = UnitIndex(
        (
            Unit("p::0000", 0, 0, "sentence", "Gadget keys live in the vault.", "Gadgets > Keys"),
            Unit("p::0000", 1, 30, "sentence", "Logs go to the trail.", "Gadgets > Logs"),
        ),
        np.eye(2, 3, dtype=np.float32),
    )
    lexicon = Lexicon.of(["Gadget keys live in the vault.", "Logs go to the trail."])
    neighbours = Neighbours(
        ("kms/a", "kms/b"), ("Key imports", "Key quotas"), np.eye(2, 3, 1, dtype=np.float32)
    )
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    evidence = gather(
        ["gadget", "keys"], units.vectors @ vector, units, lexicon, neighbours, vector
    )
    assert evidence.similarity == pytest.approx(0.8)  # the second unit is closer ...
    assert evidence.coverage == pytest.approx(1.0)  # ... but one of the closest holds both words
    assert evidence.neighbour == pytest.approx(0.8) and evidence.neighbour_page == "kms/a"
    assert evidence.neighbour_margin == pytest.approx(0.0)
    alone = gather(["gadget"], units.vectors @ vector, units, lexicon, None, vector)
    assert alone.neighbour is None and alone.neighbour_margin == 0.0


def test_a_calibration_file_round_trips(tmp_path: Path) -> None:
    calibration = Calibration(MODEL, RefusalModel(("similarity",), (1.0,), 0.0, (0.5,), (0.1,)))
    path = tmp_path / "calibration.json"
    calibration.save(path)
    again = Calibration.load(path)
    assert again == calibration
    assert again.model(neighbours=False).features == ("similarity",)


TOPIC = TopicModels(
    TopicProbe((1.0, 0.0, 0.0), -0.5),
    RefusalModel(("similarity", "topic"), (1.0, 1.0), 0.0, (0.5, 0.0), (0.1, 1.0)),
    RefusalModel(("similarity", "topic"), (1.0, 2.0), 0.0, (0.5, 0.0), (0.1, 1.0)),
)


def test_the_topic_probe_scores_a_question_and_recognises_its_own_pages() -> None:
    probe = TOPIC.probe
    assert probe.score(np.array([1.0, 0.0, 0.0], np.float32)) == pytest.approx(0.5)
    assert probe.score(np.array([0.0, 1.0, 0.0], np.float32)) == pytest.approx(-0.5)
    own = np.array([[1.0, 0, 0]] * 9 + [[0, 1.0, 0]], np.float32)  # 9 of 10 covered
    other = np.array([[1.0, 0, 0]] * 8 + [[0, 1.0, 0]] * 2, np.float32)
    assert probe.recognises(own) and not probe.recognises(other)
    assert not probe.recognises(np.zeros((0, 3), np.float32)), "no headings: nothing to judge"
    assert not probe.recognises(np.ones((4, 5), np.float32)), "another model's vectors"


def test_the_topic_models_are_chosen_only_when_the_probe_applies() -> None:
    calibration = Calibration(MODEL, RefusalModel(("similarity",), (1.0,), 0.0, (0.5,), (0.1,)))
    assert calibration.model(True, topic=True) is MODEL, "no probe fitted: the plain model"
    with_topic = Calibration(calibration.with_neighbours, calibration.without_neighbours, {}, TOPIC)
    assert with_topic.model(True, topic=True) is TOPIC.with_neighbours
    assert with_topic.model(False, topic=True) is TOPIC.without_neighbours
    assert with_topic.model(True, topic=False) is MODEL
    model = with_topic.model(False, topic=True)
    covered, elsewhere = Evidence(0.5, 0.5, topic=2.0), Evidence(0.5, 0.5, topic=-2.0)
    assert model.answers(covered) and not model.answers(elsewhere)
    assert reasons(elsewhere, model) == [
        "it reads like a question for documentation outside the pages searched"
    ]


def test_a_calibration_with_a_topic_probe_round_trips(tmp_path: Path) -> None:
    calibration = Calibration(MODEL, MODEL, {"seed": 1}, TOPIC)
    path = tmp_path / "calibration.json"
    calibration.save(path)
    again = Calibration.load(path)
    assert again == calibration and again.topic is not None
    assert again.topic.probe.score(np.array([1.0, 0, 0], np.float32)) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("not json", "not usable"),
        (json.dumps({"with_neighbours": {}}), "not usable"),
        ("TOPIC-WITHOUT-PROBE", "not usable"),
    ],
)
def test_a_bad_calibration_file_is_a_clear_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "calibration.json"
    if content == "TOPIC-WITHOUT-PROBE":  # a topic block whose probe was lost
        data = json.loads(DEFAULT_CALIBRATION.read_text(encoding="utf-8"))
        data["topic"] = {"with_neighbours": data["with_neighbours"]}
        content = json.dumps(data)
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CalibrationError, match=message):
        Calibration.load(path)


def test_an_unknown_feature_is_refused(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_CALIBRATION.read_text(encoding="utf-8"))
    data["with_neighbours"]["features"][0] = "shoe_size"
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CalibrationError, match="unknown feature"):
        Calibration.load(path)


def test_the_shipped_calibration_loads_and_says_how_it_was_made() -> None:
    assert Calibration.load().about["method"] == "docs/refusal.md"


@pytest.mark.parametrize("neighbours", [True, False])
def test_the_shipped_models_decide_the_way_the_evidence_points(neighbours: bool) -> None:
    # Behaviour any refit must keep, whatever numbers it lands on: no fitted value is pinned.
    model = Calibration.load().model(neighbours=neighbours)
    assert ("neighbour_margin" in model.features) is neighbours
    worse, better = (0.3, 0.95) if neighbours else (None, None)
    quoted = Evidence(0.9, 1.0, worse)  # a question a passage nearly says word for word
    stranger = Evidence(0.1, 0.0, better)  # far from every passage, holding none of its words
    assert model.answers(quoted) and not model.answers(stranger)
    middle = Evidence(0.45, 0.4, 0.45 if neighbours else None)
    p = model.probability(middle)
    assert model.probability(Evidence(0.55, 0.4, middle.neighbour)) > p, "closer in meaning"
    assert model.probability(Evidence(0.45, 0.8, middle.neighbour)) > p, "more words held"
    if neighbours:
        assert model.probability(Evidence(0.45, 0.4, 0.7)) < p, "a neighbour matches better"
    floor = Evidence(model.min_similarity - 0.01, 1.0, worse)
    assert not model.answers(floor), "below the similarity floor nothing is answered"


@pytest.mark.parametrize("neighbours", [True, False])
def test_the_shipped_topic_models_follow_the_probe(neighbours: bool) -> None:
    calibration = Calibration.load()
    assert calibration.topic is not None, "the shipped calibration has a topic probe"
    model = calibration.model(neighbours, topic=True)
    assert "topic" in model.features
    assert ("neighbour_margin" in model.features) is neighbours
    middle = Evidence(0.45, 0.4, 0.45 if neighbours else None, topic=0.0)
    p = model.probability(middle)
    assert model.probability(replace(middle, topic=3.0)) > p, "a topic the pages cover"
    assert model.probability(replace(middle, topic=-3.0)) < p, "a topic found elsewhere"
    assert model.probability(replace(middle, similarity=0.55)) > p, "closer in meaning"
    quoted = Evidence(0.9, 1.0, 0.3 if neighbours else None, topic=2.0)
    stranger = Evidence(0.1, 0.0, 0.95 if neighbours else None, topic=-2.0)
    assert model.answers(quoted) and not model.answers(stranger)
    # However the weights fall, a refusal never blames a close match for being close.
    close = Evidence(0.7, 0.1, 0.75 if neighbours else None, topic=-3.0)
    assert not model.answers(close)
    assert not any("close in meaning" in r for r in reasons(close, model)), reasons(close, model)


def test_neighbours_that_are_all_indexed_leave_the_model_without_them(
    settings, fixture_pages: Path
) -> None:  # type: ignore[no-untyped-def]
    """A build of whole guides indexes every neighbouring page: with none left to compare
    with, the model fitted without neighbours decides (a margin of 0 is not evidence)."""
    from app.engine import Engine
    from ingest.embed import load_embedder
    from ingest.pipeline import run_ingest

    both = settings.model_copy(update={"neighbours_dir": fixture_pages})
    run_ingest(both, lambda: load_embedder(both), fixture_pages)
    engine = Engine(both)
    build = engine.load().build
    assert build.neighbours is not None and not has_neighbours(build.neighbours)
    answer = engine.ask("How are widgets encrypted at rest?")
    assert "neighbour_margin" not in answer.signals and "similarity" in answer.signals
    assert has_neighbours(Neighbours(("a",), ("A > B",), np.ones((1, 3), np.float32)))


@pytest.mark.parametrize(("rank", "covered"), [(4, True), (12, False)])
def test_coverage_is_read_from_the_ten_closest_units_only(rank: int, covered: bool) -> None:
    texts = [f"Filler sentence number {n} about nothing." for n in range(15)]
    texts[rank] = "Gadget keys live in the vault."
    units = UnitIndex(
        tuple(Unit("p::0000", n, 0, "sentence", t, "Gadgets") for n, t in enumerate(texts)),
        np.zeros((15, 3), np.float32),
    )
    sims = np.linspace(0.9, 0.2, 15).astype(np.float32)  # row n is the n-th closest
    lexicon = Lexicon.of(texts)
    evidence = gather(["gadget", "vault"], sims, units, lexicon, None, np.zeros(3, np.float32))
    assert evidence.similarity == pytest.approx(0.9)
    assert (evidence.coverage == pytest.approx(1.0)) is covered
