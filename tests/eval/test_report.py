"""The Markdown report and the charts, rendered from hand-made records."""

from __future__ import annotations

from pathlib import Path

from eval.charts import write_charts
from eval.questions import Question
from eval.report import cell, fmt, render_report, side_by_side
from eval.score import score, summarise
from eval.systems import Reply

QUESTIONS = [
    Question("q1", "How are widgets encrypted?", ("enc",), True, ("aes-256",), "factual"),
    Question("q2", "Rotate | keys how often?", ("rot",), True, ("yearly",), "typo"),
    Question("q3", "Best carbonara?", (), False, (), "off-topic"),
]


def records():  # type: ignore[no-untyped-def]
    replies = {
        "docqa": [
            Reply("Widgets use AES-256 [1].", False, ("enc", "rot"), ("enc",), {"total": 12.0}),
            Reply("Not in the pages.", True, ("rot", "enc"), (), {"total": 15.0}),
            Reply("Not in the pages.", True, ("enc",), (), {"total": 9.0}),
        ],
        "bm25": [
            Reply("chunk about rotation", False, ("rot", "enc"), ("rot",), {"total": 0.2}),
            Reply("chunk about rotation yearly", False, ("rot",), ("rot",), {"total": 0.1}),
            Reply("chunk", False, ("enc",), ("enc",), {"total": 0.1}),
        ],
    }
    splits = {"q1": "tune", "q2": "test", "q3": "test"}
    return [
        score(system, q, splits[q.id], r, {})
        for system, rs in replies.items()
        for q, r in zip(QUESTIONS, rs, strict=True)
    ]


CONFIG = {
    "index": {"build_id": "b1", "pages": 2, "chunks": 5},
    "corpus": {"sources": ["/pages"], "checksum": "c" * 64},
    "questions": {"file": "q.jsonl", "sha256": "d" * 64},
    "model": "fake-hash-384",
    "git_commit": None,
    "seconds": 1.5,
    "thresholds": "eval/thresholds.json",
}


def summary_of(recs, failures=()):  # type: ignore[no-untyped-def]
    systems = summarise(recs, ["docqa", "bm25"])
    return {
        "run_id": "20261128-053000",
        "questions": 3,
        "split": "all",
        "systems": systems,
        "threshold_failures": list(failures),
    }


def test_side_by_side_has_a_column_per_system_and_a_row_per_metric() -> None:
    summary = summary_of(records())
    text = side_by_side(summary["systems"], "all")
    lines = text.splitlines()
    assert lines[0] == "all: 3 questions"
    assert lines[2] == "| metric | docqa | bm25 |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[4:]}
    assert rows["hit@1"] == "| hit@1 | 1.000 | 0.500 |"
    assert rows["refusal precision"] == "| refusal precision | 0.500 | – |"
    assert rows["false-refusal rate"] == "| false-refusal rate | 0.500 | 0.000 |"
    assert rows["latency p50 (total)"] == "| latency p50 (total) | 12 ms | 0.1 ms |"
    assert len(rows) == 14


def test_report_shows_splits_breakdowns_and_failures() -> None:
    recs = records()
    report = render_report(CONFIG, summary_of(recs, ["docqa hit@1 0.5 < min 0.9"]), recs, [])
    assert report.startswith("# Evaluation run 20261128-053000")
    assert "FAILED: docqa hit@1 0.5 < min 0.9" in report
    assert "### Tune split" in report and "### Test split" in report
    assert "| off-topic | 1 | 1.000 | 0.000 |" in report
    assert "| enc | 1 | 1.000 | 0.000 |" in report
    assert "### docqa: Refused an answerable question (1)" in report
    assert "| q2 | typo | Rotate \\| keys how often? | rot | rot, enc | yearly |" in report
    assert "### docqa: Answered an unanswerable question (0)\n\nNone." in report
    assert "### bm25: Expected page not ranked first (1)\n\nq1 (factual)" in report
    assert "## Charts" not in report


def test_charts_are_written_as_png(tmp_path: Path) -> None:
    recs = records()
    names = write_charts(tmp_path / "charts", recs, summary_of(recs)["systems"])
    assert names == ["metrics.png", "pages.png", "latency.png"]
    for name in names:
        data = (tmp_path / "charts" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    report = render_report(CONFIG, summary_of(recs), recs, names)
    assert "![latency.png](charts/latency.png)" in report


def test_formatting_helpers() -> None:
    assert fmt(None) == "–"
    assert fmt(0.12345) == "0.123"
    assert fmt(240.4, "latency_p95_ms") == "240 ms"
    assert cell("a  |\nb" + "x" * 200, 10) == "a \\| bxxx…"
