"""The Markdown report and the charts, rendered from hand-made records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.charts import write_charts
from eval.questions import EvalQuestion
from eval.report import (
    console_tables,
    fmt,
    header_lines,
    markdown_cell,
    render_report,
    sets_table,
    systems_table,
)
from eval.score import METRICS, Record, score, summarise
from eval.systems import Reply

QUESTIONS = [
    EvalQuestion("q1", "How are widgets encrypted?", ("enc",), True, ("aes-256",), "factual"),
    EvalQuestion("q2", "Rotate | keys how often?", ("rot",), True, ("yearly",), "typo"),
    EvalQuestion("q3", "Best carbonara?", (), False, (), "off-topic"),
]


def records() -> list[Record]:
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
    "questions": [
        {"set": "tune", "file": "eval/tune.jsonl", "sha256": "d" * 64},
        {"set": "test", "file": "eval/test.jsonl", "sha256": "e" * 64},
    ],
    "model": "fake-hash-384",
    "git_commit": None,
    "seconds": 1.5,
    "thresholds": "eval/thresholds.json",
}


def summary_of(recs: list[Record], failures: Sequence[str] = ()) -> dict[str, Any]:
    systems = summarise(recs, ["docqa", "bm25"])
    return {
        "run_id": "20261128-053000",
        "questions": 3,
        "split": "all",
        "systems": systems,
        "threshold_failures": list(failures),
    }


def test_systems_table_has_a_column_per_system_and_a_row_per_metric() -> None:
    summary = summary_of(records())
    text = systems_table(summary["systems"], "all")
    lines = text.splitlines()
    assert lines[0] == "all: 3 questions"
    assert lines[2] == "| metric | docqa | bm25 |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[4:]}
    assert rows["hit@1"] == "| hit@1 | 1.000 | 0.500 |"
    assert rows["refusal precision"] == "| refusal precision | 0.500 | – |"
    assert rows["false-refusal rate"] == "| false-refusal rate | 0.500 | 0.000 |"
    assert rows["latency p50 (total)"] == "| latency p50 (total) | 12 ms | 0.1 ms |"
    assert rows["questions (answerable)"] == "| questions (answerable) | 3 (2) | 3 (2) |"
    assert len(rows) == 1 + len(METRICS)
    for label in ("grounded fact coverage", "refusal recall, off-topic", "follow-ups: hit@1"):
        assert label in rows


def test_report_shows_splits_breakdowns_and_failures() -> None:
    recs = records()
    report = render_report(CONFIG, summary_of(recs, ["docqa hit@1 0.5 < min 0.9"]), recs, [])
    assert report.startswith("# Evaluation run 20261128-053000")
    assert "FAILED: docqa hit@1 0.5 < min 0.9" in report
    assert "### Questions of `tune`" in report and "### Questions of `test`" in report
    assert "### docqa on each question set" in report
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
    assert markdown_cell("a  |\nb" + "x" * 200, 10) == "a \\| bxxx…"


def block(n: int = 20, **values: float | None) -> dict[str, float | int | None]:
    """Summary metrics of one question set: every metric undefined unless given."""
    named = {key.replace("_at_", "@"): value for key, value in values.items()}
    return {**dict.fromkeys(METRICS), "n": n, "n_answerable": n - 5, **named}


def rows_of(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    return {cells[0]: cells[1:] for cells in (line[2:-2].split(" | ") for line in lines[2:])}


def test_sets_side_by_side_marks_a_gap_over_five_points() -> None:
    entry = {
        "tune": block(
            30,
            hit_at_1=0.9,
            mrr_at_10=0.82,
            fact_coverage=0.7,
            latency_p50_ms=40.0,
            answer_chars_p50=640.0,
        ),
        "test": block(
            20,
            hit_at_1=0.8,
            mrr_at_10=0.80,
            fact_coverage=0.8,
            latency_p50_ms=10.0,
            answer_chars_p50=650.0,
        ),
    }
    text = sets_table(entry, ["tune", "test"])
    assert text.splitlines()[0] == "| metric | tune | test | gap |"
    rows = rows_of(text)
    assert rows["questions (answerable)"] == ["30 (25)", "20 (15)"]
    assert rows["hit@1"] == ["0.900", "0.800", "+0.100 **>0.05**"]
    assert rows["mrr@10"] == ["0.820", "0.800", "+0.020"]
    assert rows["fact coverage"] == ["0.700", "0.800", "-0.100 **>0.05**"]
    assert rows["latency p50 (total)"][-1] == ""  # latency is no defect to explain
    assert rows["answer length, median (characters)"][-1] == "-10"  # characters, not a share
    assert rows["citation precision"] == ["–", "–", ""]


def test_a_gap_of_exactly_five_points_is_not_marked() -> None:
    entry = {"tune": block(hit_at_1=18 / 20), "test": block(hit_at_1=17 / 20)}
    assert rows_of(sets_table(entry, ["tune", "test"]))["hit@1"][-1] == "+0.050"


def test_sets_side_by_side_without_a_pair_has_no_gap_column() -> None:
    entry = {"tune": block(hit_at_1=0.9)}
    assert sets_table(entry, ["tune", "test"]).splitlines()[0] == "| metric | tune |"
    assert sets_table(entry, ["test"]) == ""


def test_console_tables_show_each_set_then_docqa_on_each_set() -> None:
    recs = records()
    systems = summary_of(recs)["systems"]
    text = console_tables(systems, ["tune", "test"])
    assert text.startswith("tune: 1 questions\n")
    assert "\ntest: 2 questions\n" in text
    assert "docqa on each question set\n\n| metric | tune | test | gap |" in text
    single = console_tables(systems, ["tune"])
    assert "docqa on each question set" not in single and "test:" not in single


def test_header_lists_each_questions_file_and_the_gate_set() -> None:
    recs = records()
    lines = header_lines(CONFIG, summary_of(recs))
    assert lines[0] == (
        "- questions: 3 run from tune: `eval/tune.jsonl` (sha256 `dddddddddddd`), "
        "test: `eval/test.jsonl` (sha256 `eeeeeeeeeeee`)"
    )
    assert "checked on `test`" in lines[-1] and lines[-1].endswith("all met")
    tune_only = summary_of([r for r in recs if r.split == "tune"])
    assert "checked on `all`" in header_lines(CONFIG, tune_only)[-1]
