"""Grounded facts: a fact counts only where the answer attributes it to an expected page."""

from __future__ import annotations

import pytest

from app.models import Answer, Citation, Claim
from eval.metrics import grounded_facts
from eval.questions import EvalQuestion
from eval.score import score
from eval.systems import Reply


def source(n: int, page: str) -> Citation:
    return Citation(n, page, page.title(), "Section", f"https://docs.example/{page}", "...", 0.5)


def answer(text: str, *pages: str) -> Answer:
    """An answer whose source [n] is the n-th page given."""
    citations = tuple(source(n, page) for n, page in enumerate(pages, 1))
    return Answer("How do widgets work?", text, False, citations=citations)


def test_adjacent_markers_name_every_page_they_cite() -> None:
    claims = answer("Widgets encrypt at rest. [1][2]", "widget-encryption", "widget-keys").claims()
    assert claims == [Claim("Widgets encrypt at rest.", ("widget-encryption", "widget-keys"))]


def test_markers_separated_by_commas_belong_to_one_claim() -> None:
    text = "Keys rotate every year [1], [3] and backups are kept. [2]"
    claims = answer(text, "widget-keys", "widget-backup", "widget-rotation").claims()
    assert claims == [
        Claim("Keys rotate every year", ("widget-keys", "widget-rotation")),
        Claim("and backups are kept.", ("widget-backup",)),
    ]


def test_each_sentence_is_cut_after_its_own_markers() -> None:
    text = "Widgets use AES-256. [1] Keys rotate yearly. [2]\n\nLogs go to the trail. [1]"
    claims = answer(text, "widget-encryption", "widget-rotation").claims()
    assert [c.pages for c in claims] == [
        ("widget-encryption",),
        ("widget-rotation",),
        ("widget-encryption",),
    ]
    assert [c.text for c in claims][1] == "Keys rotate yearly."


def test_text_after_the_last_marker_is_attributed_to_no_page() -> None:
    claims = answer("Widgets use AES-256. [1] Ask support for more.", "widget-encryption").claims()
    assert claims[-1] == Claim("Ask support for more.", ())
    assert claims[0].pages == ("widget-encryption",)


def test_marker_numbers_without_a_source_point_nowhere() -> None:
    claims = answer("Widgets glow. [7] They hum. [1][9]", "widget-sound").claims()
    assert claims == [Claim("Widgets glow.", ()), Claim("They hum.", ("widget-sound",))]


def test_repeated_markers_name_a_page_once() -> None:
    claims = answer("Widgets hum. [1][2][1]", "widget-sound", "widget-sound").claims()
    assert claims == [Claim("Widgets hum.", ("widget-sound",))]


@pytest.mark.parametrize("text", ["", "   ", "[1]"])
def test_an_answer_without_text_has_no_claims(text: str) -> None:
    assert answer(text, "widget-sound").claims() == []


def test_unmarked_answer_is_one_claim_citing_nothing() -> None:
    assert answer("Widgets are blue.").claims() == [Claim("Widgets are blue.", ())]


def test_grounded_facts_need_a_claim_citing_an_expected_page() -> None:
    claims = [
        ("Widgets use AES-256 keys.", ("widget-encryption",)),
        ("Keys rotate yearly.", ("widget-rotation",)),
        ("Backups are kept for 30 days.", ()),
    ]
    facts = ["AES-256", "yearly", "30 days"]
    assert grounded_facts(claims, facts, {"widget-encryption"}) == ["AES-256"]
    assert grounded_facts(claims, facts, {"widget-encryption", "widget-rotation"}) == [
        "AES-256",
        "yearly",
    ]
    assert grounded_facts(claims, facts, {"widget-backup"}) == []
    assert grounded_facts([], facts, {"widget-encryption"}) == []


def test_a_claim_citing_an_expected_and_another_page_grounds_its_facts() -> None:
    claims = [("Widget keys live in **KMS**.", ("widget-other", "widget-keys"))]
    assert grounded_facts(claims, ["keys live in kms"], ["widget-keys"]) == ["keys live in kms"]


def test_a_fact_never_spans_two_claims() -> None:
    claims = [
        ("Widget keys are kept", ("widget-keys",)),
        ("in a drawer, says nobody.", ()),
        ("rotated yearly.", ("widget-keys",)),
    ]
    assert grounded_facts(claims, ["kept rotated"], {"widget-keys"}) == []


ENC = EvalQuestion(
    "g1", "How are widgets protected?", ("widget-encryption",), True, ("AES-256", "yearly"), "x"
)


def reply(text: str, claims: tuple[Claim, ...]) -> Reply:
    return Reply(text, False, ("widget-encryption",), ("widget-encryption",), {}, claims)


def test_score_counts_a_fact_in_an_unexpected_claim_as_found_but_not_grounded() -> None:
    claims = (
        Claim("Widgets use AES-256.", ("widget-encryption",)),
        Claim("Keys rotate yearly.", ("widget-rotation",)),
    )
    record = score("docqa", ENC, "tune", reply(" ".join(c.text for c in claims), claims), {})
    assert record.facts_found == ("AES-256", "yearly")
    assert record.grounded_facts == ("AES-256",)
    assert record.scores["fact_coverage"] == 1.0
    assert record.scores["grounded_fact_coverage"] == 0.5
    assert record.to_json()["grounded_fact_coverage"] == 0.5


def test_score_maps_a_claim_s_copied_page_to_the_pinned_one() -> None:
    claims = (Claim("Widgets use AES-256, rotated yearly.", ("guide/widget-encryption",)),)
    mapping = {"guide/widget-encryption": "widget-encryption"}
    record = score("docqa", ENC, "tune", reply(claims[0].text, claims), mapping)
    assert record.scores["grounded_fact_coverage"] == 1.0


def test_a_reply_without_claims_grounds_nothing() -> None:
    record = score("docqa", ENC, "tune", reply("Widgets use AES-256, rotated yearly.", ()), {})
    assert record.scores["fact_coverage"] == 1.0
    assert record.scores["grounded_fact_coverage"] == 0.0
    assert record.grounded_facts == ()


def test_unanswerable_questions_have_no_grounded_coverage() -> None:
    off = EvalQuestion("g2", "What colour is the widget logo?", (), False, (), "off-topic")
    claims = (Claim("Blue.", ("widget-logo",)),)
    record = score("docqa", off, "tune", reply("Blue.", claims), {})
    assert record.scores["grounded_fact_coverage"] is None
