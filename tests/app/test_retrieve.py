"""Hybrid retrieval on a hand-made build: how the rankings are fused into pages."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from app.retrieve import Query, Retriever, identifiers
from docqa.sections import RetrievalSettings
from ingest.lexical import LexicalIndex
from ingest.models import Chunk, Unit
from ingest.units import UnitIndex

# One chunk per page. Cosine of each chunk's one sentence to the query vector [1, 0], and its
# text: only "bolts" and "nuts" hold the word asked for, "bolts" twice.
PAGES = {
    "anvils": (0.9, "Anvils are forged from one block of iron."),
    "nuts": (0.8, "Nuts fit a sprocket hub."),
    "drills": (0.7, "Drills need a steady hand."),
    "files": (0.6, "Files smooth rough edges."),
    "gauges": (0.5, "Gauges measure gaps."),
    "bolts": (0.1, "Bolts hold a sprocket, and each sprocket needs four."),
}


def chunk(page: str, text: str) -> Chunk:
    return Chunk(
        f"{page}::0000", page, 0, page.title(), "Parts", "parts", (page.title(), "Parts"), text,
        f"https://example.com/{page}.html", "0" * 64,
    )  # fmt: skip


def retriever(**weights: float) -> Retriever:
    chunks = {f"{page}::0000": chunk(page, text) for page, (_, text) in PAGES.items()}
    units = tuple(
        Unit(cid, 0, 0, "sentence", c.text, c.heading) for cid, c in chunks.items()
    )  # fmt: skip
    cosines = [cos for cos, _ in PAGES.values()]
    vectors = np.array([[c, math.sqrt(1 - c * c)] for c in cosines], dtype=np.float32)
    lexical = LexicalIndex(list(chunks), [c.lexical_text for c in chunks.values()])
    build = SimpleNamespace(chunks=chunks, units=UnitIndex(units, vectors), lexical=lexical)
    config = RetrievalSettings(dense_weight=0.0, **weights)
    return Retriever(build, config)  # type: ignore[arg-type]


def ranked(found_by: Retriever, prior: tuple[str, ...] = ()) -> list[str]:
    query = Query("sprocket", "sprocket", np.array([1.0, 0.0], dtype=np.float32), prior)
    return [hit.page_id for hit in found_by.search(query, k=10).hits]


def test_each_ranking_alone_orders_the_pages_its_own_way() -> None:
    by_meaning = ranked(retriever(unit_weight=1.0, lexical_weight=0.0))
    assert by_meaning == ["anvils", "nuts", "drills", "files", "gauges", "bolts"]
    by_words = ranked(retriever(unit_weight=0.0, lexical_weight=1.0))
    assert by_words == ["bolts", "nuts"], "a zero weight drops that ranking's votes"


def test_a_page_both_rankings_place_second_beats_one_placed_first_by_one() -> None:
    # Reciprocal rank fusion adds the votes: nuts is second by meaning and by words, while
    # anvils leads by meaning only and bolts by words only.
    assert ranked(retriever(unit_weight=1.0, lexical_weight=1.0))[:3] == ["nuts", "bolts", "anvils"]


def test_each_vote_is_its_rankings_weight_over_rrf_k_plus_the_rank() -> None:
    found = retriever(unit_weight=2.0, lexical_weight=0.5)
    k = found.config.rrf_k
    query = Query("sprocket", "sprocket", np.array([1.0, 0.0], dtype=np.float32))
    scores = {h.page_id: h.score for h in found.search(query, k=10).hits}
    assert scores["anvils"] == pytest.approx(2.0 / (k + 1))  # first by meaning, no word
    assert scores["nuts"] == pytest.approx(2.0 / (k + 2) + 0.5 / (k + 2))
    assert scores["bolts"] == pytest.approx(2.0 / (k + 6) + 0.5 / (k + 1))


def test_a_page_the_last_answer_cited_gets_one_rank_one_vote() -> None:
    plain = retriever(unit_weight=1.0, lexical_weight=1.0)
    query = Query("sprocket", "sprocket", np.array([1.0, 0.0], dtype=np.float32))
    before = {h.page_id: h.score for h in plain.search(query, k=10).hits}
    followed = Query(query.text, query.lexical, query.vector, ("gauges",))
    after = {h.page_id: h.score for h in plain.search(followed, k=10).hits}
    assert after["gauges"] == pytest.approx(before["gauges"] + 1 / (plain.config.rrf_k + 1))
    assert {p: s for p, s in after.items() if p != "gauges"} == {
        p: s for p, s in before.items() if p != "gauges"
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Does kms:CreateGrant apply?", ["kms:creategrant"]),
        (
            "Attach ComprehendFullAccess or ComprehendReadOnly",
            ["comprehendfullaccess", "comprehendreadonly"],
        ),
        ("plain words only", []),
    ],
)
def test_identifiers_are_the_exact_names_in_a_query(query: str, found: list[str]) -> None:
    assert identifiers(query) == found
