"""Scoring replies, and summarising them per system and per question set."""

from __future__ import annotations

from app.models import Claim
from eval.questions import EvalQuestion
from eval.score import metrics, score, summarise
from eval.systems import Reply

ENC = EvalQuestion(
    "q1", "How are widgets encrypted?", ("enc",), True, ("aes-256", "kms"), "factual"
)
ROT = EvalQuestion("q2", "How often do keys rotate?", ("rot",), True, ("yearly",), "terse")
OFF = EvalQuestion("q3", "Best carbonara?", (), False, (), "off-topic")


def reply(pages: tuple[str, ...], text: str = "", refused: bool = False, **kw: object) -> Reply:
    cited = kw.get("cited", pages[:1])
    total = float(kw.get("total", 10.0))  # type: ignore[arg-type]
    return Reply(text, refused, pages, cited, {"total": total})  # type: ignore[arg-type]


def test_score_maps_copies_then_scores_retrieval_facts_and_citations() -> None:
    mapping = {"guide/enc": "enc"}
    got = reply(("rot", "guide/enc"), "Widgets use AES-256.", cited=("guide/enc", "rot"))
    record = score("docqa", ENC, "tune", got, mapping)
    assert record.retrieved_pages == ("rot", "enc")
    assert record.cited_pages == ("enc", "rot")
    assert record.scores["hit@1"] == 0.0 and record.scores["hit@3"] == 1.0
    assert record.scores["rr"] == 0.5
    assert record.facts_found == ("aes-256",)
    assert record.scores["fact_coverage"] == 0.5
    assert record.scores["citation_precision"] == 0.5
    assert record.scores["citation_recall"] == 1.0
    line = record.to_json()
    assert line["hit@1"] == 0.0 and line["split"] == "tune" and "scores" not in line


def test_refused_and_unanswerable_questions_leave_undefined_scores_empty() -> None:
    refused = score("docqa", ENC, "test", reply(("enc",), "No.", refused=True, cited=()), {})
    assert refused.scores["hit@1"] == 1.0
    assert refused.scores["fact_coverage"] == 0.0
    assert refused.scores["citation_precision"] is None
    off = score("docqa", OFF, "test", reply(("enc",), "Pasta."), {})
    assert off.scores["hit@1"] is None and off.scores["fact_coverage"] is None


def test_metrics_over_hand_made_records() -> None:
    records = [
        score("docqa", ENC, "tune", reply(("enc", "rot"), "aes-256 and kms", total=10), {}),
        score(
            "docqa", ROT, "test", reply(("enc",), "no idea", refused=True, cited=(), total=30), {}
        ),
        score("docqa", OFF, "test", reply(("enc",), "no", refused=True, cited=(), total=20), {}),
    ]
    m = metrics(records)
    assert (m["n"], m["n_answerable"]) == (3, 2)
    assert m["hit@1"] == 0.5 and m["hit@5"] == 0.5
    assert m["fact_coverage"] == 0.5
    assert m["citation_precision"] == 1.0 and m["citation_recall"] == 1.0
    assert m["refusal_precision"] == 0.5 and m["refusal_recall"] == 1.0
    assert m["false_refusal_rate"] == 0.5
    assert m["latency_p50_ms"] == 20.0


def test_summary_holds_all_and_each_split_and_breakdowns() -> None:
    records = [
        score("docqa", ENC, "tune", reply(("enc",)), {}),
        score("docqa", ROT, "test", reply(("enc",)), {}),
        score("bm25", ENC, "tune", reply(("rot",)), {}),
        score("bm25", ROT, "test", reply(("rot",)), {}),
    ]
    summary = summarise(records, ["docqa", "bm25"])
    assert summary["docqa"]["all"]["hit@1"] == 0.5
    assert summary["docqa"]["tune"]["hit@1"] == 1.0 and summary["docqa"]["test"]["hit@1"] == 0.0
    assert summary["bm25"]["all"]["hit@1"] == 0.5
    assert summary["docqa"]["by_page"]["enc"] == {"n": 1, "hit@1": 1.0, "passed": 1.0}
    assert summary["bm25"]["by_kind"]["terse"]["passed"] == 1.0


NEAR = EvalQuestion("n1", "Can widgets fly?", (), False, (), "near-miss")
NEAR2 = EvalQuestion("n2", "Do widgets sing?", (), False, (), "near-miss")
FOLLOW = EvalQuestion("f1", "and how often?", ("rot",), True, ("yearly",), "follow-up", ("Keys?",))
FOLLOW2 = EvalQuestion("f2", "and the logs?", ("log",), True, ("trail",), "follow-up", ("Keys?",))


def claimed(pages: tuple[str, ...], text: str, cited: tuple[str, ...]) -> Reply:
    return Reply(text, False, pages, cited, {"total": 1.0}, (Claim(text, cited),))


def test_refusal_recall_is_split_by_kind_of_unanswerable_question() -> None:
    records = [
        score("docqa", NEAR, "tune", reply(("enc",), "No.", refused=True, cited=()), {}),
        score("docqa", NEAR2, "tune", reply(("enc",), "They do."), {}),
        score("docqa", OFF, "tune", reply(("enc",), "No.", refused=True, cited=()), {}),
        score("docqa", ENC, "tune", reply(("enc",), "aes-256 kms"), {}),
    ]
    m = metrics(records)
    assert m["refusal_recall_near_miss"] == 0.5
    assert m["refusal_recall_off_topic"] == 1.0
    assert m["refusal_recall"] == 2 / 3
    only_near = metrics(records[:2])
    assert only_near["refusal_recall_off_topic"] is None


def test_follow_up_metrics_read_only_follow_up_questions() -> None:
    records = [
        score("docqa", FOLLOW, "tune", claimed(("rot",), "Yearly.", ("enc",)), {}),
        score("docqa", FOLLOW2, "tune", reply(("enc",), "No.", refused=True, cited=()), {}),
        score("docqa", ENC, "tune", claimed(("rot",), "No idea.", ("rot",)), {}),
        score("docqa", ROT, "tune", reply(("rot",), "No.", refused=True, cited=()), {}),
    ]
    m = metrics(records)
    assert m["follow_up_hit@1"] == 0.5
    assert m["follow_up_fact_coverage"] == 0.5
    assert m["follow_up_grounded_fact_coverage"] == 0.0  # "yearly" was attributed to "enc"
    assert m["follow_up_false_refusal_rate"] == 0.5
    assert m["hit@1"] == 0.5 and m["false_refusal_rate"] == 0.5
    none = metrics(records[2:])
    assert none["follow_up_hit@1"] is None and none["follow_up_false_refusal_rate"] is None


def test_summary_has_one_block_per_question_set_plus_all() -> None:
    records = [
        score("docqa", ENC, "tune", reply(("enc",)), {}),
        score("docqa", ROT, "widgets", reply(("enc",)), {}),
        score("docqa", OFF, "widgets", reply(("enc",), refused=True, cited=()), {}),
    ]
    entry = summarise(records, ["docqa"])["docqa"]
    assert {"all", "tune", "widgets"} <= set(entry)
    assert (entry["tune"]["n"], entry["widgets"]["n"], entry["all"]["n"]) == (1, 2, 3)
    assert entry["widgets"]["refusal_recall_off_topic"] == 1.0
