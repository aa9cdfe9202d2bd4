"""A run's results folder: written by the runner, read back for the Evaluation page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.results import (
    CHARTS,
    RESULTS,
    SUMMARY,
    filter_rows,
    latest_run,
    list_runs,
    load_run,
    outcome_counts,
    outcomes,
    pages_of,
    point_latest,
    result_table,
    side_by_side,
    splits_of,
    system_metrics,
    write_json,
    write_results,
)
from eval.score import PER_QUESTION, Record

# Our own invented questions about an imaginary "widget" product.
QUESTIONS = [
    ("w1", "How are widgets encrypted at rest?", ("widget-encryption",), ("aes",), ("aes",)),
    ("w2", "Can widget keys rotate?", ("widget-rotation",), ("yearly",), ()),
    ("w3", "What colour is the widget logo?", (), (), ()),
]


def record(system: str, qid: str, **changes: object) -> Record:
    """A scored result of one made-up question; `changes` override its fields."""
    _, question, pages, facts, found = next(q for q in QUESTIONS if q[0] == qid)
    fields: dict[str, object] = {
        "system": system,
        "id": qid,
        "question": question,
        "kind": "factual" if pages else "off-topic",
        "split": "tune",
        "history": (),
        "answerable": bool(pages),
        "expected_pages": pages,
        "retrieved_pages": (*pages, "widget-other"),
        "cited_pages": pages,
        "answer": "Made-up answer [1].",
        "refused": not pages,
        "expected_facts": facts,
        "facts_found": found,
        "timings_ms": {"total": 12.5},
        "scores": {
            **dict.fromkeys(PER_QUESTION),
            "fact_coverage": len(found) / len(facts) if facts else None,
        },
    }
    return Record(**{**fields, **changes})  # type: ignore[arg-type]


RECORDS = [record("docqa", q[0]) for q in QUESTIONS] + [
    record("bm25", "w1", refused=True),
    record("bm25", "w2", retrieved_pages=("widget-other",)),
    record("bm25", "w3", refused=False),
]
SUMMARY_DATA = {
    "run_id": "20260101-120000",
    "questions": 3,
    "systems": {
        "docqa": {
            "all": {"n": 3, "n_answerable": 2, "hit@1": 0.5, "latency_p50_ms": 12.5},
            "tune": {"n": 3, "n_answerable": 2, "hit@1": 0.5, "refusal_recall": None},
            "by_kind": {"factual": {"n": 2}},
        },
        "bm25": {"all": {"n": 3, "n_answerable": 2, "hit@1": 0.25}},
    },
}


def write_folder(runs: Path, name: str = "20260101-120000") -> Path:
    folder = runs / name
    (folder / CHARTS).mkdir(parents=True)
    write_results(folder, RECORDS)
    write_json(folder / SUMMARY, SUMMARY_DATA)
    (folder / CHARTS / "hit_at_k.png").write_bytes(b"png")
    (folder / "report.md").write_text("# Evaluation run\n")
    point_latest(folder)
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "eval")


def test_the_records_written_are_the_records_read(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert run.results == RECORDS and run.summary == SUMMARY_DATA and not run.problems
    assert [c.name for c in run.charts] == ["hit_at_k.png"] and run.report is not None
    assert run.name == "20260101-120000"


def test_a_line_of_an_older_run_reads_with_empty_values() -> None:
    old = Record.from_json({"system": "docqa", "id": "w1", "expected_facts": ["aes", "gcm"]})
    assert old.answerable and not old.refused and old.split == "" and old.history == ()
    assert old.facts_missing == ("aes", "gcm") and old.scores["fact_coverage"] is None


def test_latest_follows_the_pointer_else_the_newest_folder(tmp_path: Path, run_dir: Path) -> None:
    runs = run_dir.parent
    assert latest_run(runs) == run_dir
    (runs / "newer").mkdir()
    (runs / "newer" / SUMMARY).write_text("{}")
    os.utime(runs / "newer", (2e9, 2e9))
    assert latest_run(runs) == run_dir
    assert list_runs(runs)[0].name == "newer"
    (runs / "latest").unlink()
    assert latest_run(runs) == runs / "newer"
    assert latest_run(tmp_path / "nothing") is None


def test_the_pointer_cannot_lead_out_of_the_folder(tmp_path: Path, run_dir: Path) -> None:
    outside = write_folder(tmp_path / "elsewhere")
    (run_dir.parent / "latest").write_text(f"../elsewhere/{outside.name}\n")
    assert latest_run(run_dir.parent) == run_dir.parent / outside.name


def test_broken_files_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / SUMMARY).write_text("{nope")
    line = json.dumps(RECORDS[0].to_json())
    (tmp_path / RESULTS).write_text(f"{line}\n[1]\n")
    run = load_run(tmp_path)
    assert len(run.results) == 1 and len(run.problems) == 2


def test_outcomes_of_a_result() -> None:
    docqa, _, _, bm25_w1, bm25_w2, bm25_w3 = RECORDS
    assert outcomes(docqa) == ("correct",)
    assert outcomes(RECORDS[1]) == ("missing fact",)
    assert outcomes(bm25_w1) == ("wrong refusal",)
    assert outcomes(bm25_w2) == ("missed page", "missing fact")
    assert outcomes(bm25_w3) == ("wrong refusal",)
    short = record("docqa", "w1", scores={**RECORDS[0].scores, "fact_coverage": 0.5})
    assert outcomes(short) == ("missing fact",)


def test_metrics_per_system_and_question_set() -> None:
    assert splits_of(SUMMARY_DATA) == ["all", "tune"]
    metrics = system_metrics(SUMMARY_DATA)
    assert metrics["docqa"] == {"n": 3, "n_answerable": 2, "hit@1": 0.5, "latency_p50_ms": 12.5}
    assert system_metrics(SUMMARY_DATA, "tune")["bm25"] == {}
    assert system_metrics({}) == {}


def test_side_by_side_uses_the_report_s_labels_and_format() -> None:
    rows = side_by_side(system_metrics(SUMMARY_DATA))
    assert rows == [
        {"metric": "questions", "docqa": "3", "bm25": "3"},
        {"metric": "answerable questions", "docqa": "2", "bm25": "2"},
        {"metric": "hit@1", "docqa": "0.500", "bm25": "0.250"},
        {"metric": "latency p50 (total)", "docqa": "12 ms", "bm25": "–"},
    ]
    assert side_by_side({"x": {"ok": True}}) == [{"metric": "ok", "x": "yes"}]


def test_filters_counts_and_table() -> None:
    assert pages_of(RECORDS) == ["widget-encryption", "widget-rotation"]
    assert [r.id for r in filter_rows(RECORDS, outcome="missed page")] == ["w2"]
    assert len(filter_rows(RECORDS, page="widget-rotation", system="docqa")) == 1
    counts = {c["system"]: c for c in outcome_counts(RECORDS)}
    assert counts["bm25"]["wrong refusal"] == 2 and counts["docqa"]["correct"] == 2
    table = result_table(RECORDS[1:2])
    assert table[0]["outcome"] == "missing fact" and table[0]["missing facts"] == "yearly"
    assert table[0]["ms"] == 12.5
