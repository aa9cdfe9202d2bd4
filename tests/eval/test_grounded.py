"""Grounded facts: a fact counts only where the answer attributes it to an expected page."""

from __future__ import annotations

from app.models import Answer, AnswerBlock, Citation, Claim, Quote
from eval.metrics import grounded_facts
from eval.questions import EvalQuestion
from eval.score import score
from eval.systems import Reply


def source(n: int, page: str) -> Citation:
    return Citation(n, page, page.title(), "Section", f"https://docs.example/{page}", (), 0.5)


def answer(quotes: list[tuple[str, tuple[int, ...]]], *pages: str) -> Answer:
    """An answer of one paragraph whose source n is the n-th page given."""
    citations = tuple(source(n, page) for n, page in enumerate(pages, 1))
    block = AnswerBlock("prose", tuple(Quote("sentence", t, ns) for t, ns in quotes))
    return Answer("How do widgets work?", (block,), False, citations=citations)


def test_a_quote_citing_two_sources_names_both_pages() -> None:
    claims = answer([("Widgets encrypt at rest.", (1, 2))], "widget-encryption", "widget-keys")
    assert claims.claims() == [
        Claim("Widgets encrypt at rest.", ("widget-encryption", "widget-keys"))
    ]


def test_each_quote_is_a_claim_of_its_own_pages() -> None:
    quotes = [("Widgets use AES-256.", (1,)), ("Keys rotate yearly.", (2,)), ("Logs.", (1,))]
    claims = answer(quotes, "widget-encryption", "widget-rotation").claims()
    assert [c.pages for c in claims] == [
        ("widget-encryption",),
        ("widget-rotation",),
        ("widget-encryption",),
    ]
    assert [c.text for c in claims][1] == "Keys rotate yearly."


def test_numbers_without_a_source_point_nowhere_and_a_page_is_named_once() -> None:
    claims = answer(
        [("Widgets glow.", (7,)), ("They hum.", (1, 9, 2))], "widget-sound", "widget-sound"
    ).claims()
    assert claims == [Claim("Widgets glow.", ()), Claim("They hum.", ("widget-sound",))]


def test_an_answer_without_blocks_has_no_claims() -> None:
    assert Answer("q", (), True).claims() == []
    assert answer([("Widgets are blue.", ())]).claims() == [Claim("Widgets are blue.", ())]


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
