"""Reading evaluation results folders as files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.evalresults import (
    filter_rows,
    fmt,
    latest_run,
    list_runs,
    load_run,
    outcome_counts,
    pages_of,
    parse_row,
    result_table,
    side_by_side,
    splits_of,
    system_metrics,
)

ROW = {
    "system": "docqa",
    "id": "w1",
    "question": "Q?",
    "kind": "factual",
    "expected_pages": ["p1"],
    "retrieved_pages": ["p1", "p2"],
    "answer": "A",
    "refused": False,
    "answerable": True,
    "cited_pages": ["p1"],
    "expected_facts": ["aes", "gcm"],
    "facts_found": ["aes"],
    "timings_ms": {"total": 3.25},
}


def test_latest_follows_the_pointer_else_the_newest_folder(tmp_path: Path, eval_run: Path) -> None:
    runs = eval_run.parent
    assert latest_run(runs) == eval_run
    (runs / "newer").mkdir()
    (runs / "newer" / "summary.json").write_text("{}")
    os.utime(runs / "newer", (2e9, 2e9))
    assert latest_run(runs) == eval_run
    assert list_runs(runs)[0].name == "newer"
    (runs / "latest").unlink()
    assert latest_run(runs) == runs / "newer"
    assert latest_run(tmp_path / "nothing") is None


def test_load_run_reads_every_part(eval_run: Path) -> None:
    run = load_run(eval_run)
    assert run.name == "20260101-120000" and not run.problems
    assert len(run.results) == 8 and [c.name for c in run.charts] == ["hit_at_k.png"]
    assert run.report is not None
    assert splits_of(run.summary) == ["all"]


def test_broken_files_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("{nope")
    (tmp_path / "results.jsonl").write_text(json.dumps(ROW) + "\n[1]\n")
    run = load_run(tmp_path)
    assert len(run.results) == 1 and len(run.problems) == 2


def test_outcomes_of_a_row() -> None:
    assert parse_row(ROW).outcomes == ("missing fact",)
    assert parse_row({**ROW, "facts_found": ["aes", "gcm"]}).outcomes == ("correct",)
    missed = parse_row({**ROW, "retrieved_pages": ["p9"], "refused": True})
    assert missed.outcomes == ("missed page", "wrong refusal")
    assert parse_row({**ROW, "answerable": False, "refused": False}).outcomes == ("wrong refusal",)
    assert parse_row({**ROW, "answerable": False, "refused": True}).outcomes == ("correct",)
    coverage = parse_row({**ROW, "expected_facts": None, "facts_found": 0.5})
    assert coverage.fact_coverage == 0.5 and coverage.outcomes == ("missing fact",)
    assert parse_row(ROW).total_ms == 3.25


def test_system_metrics_from_each_summary_shape() -> None:
    split = {"systems": {"docqa": {"all": {"hit@1": 0.5}, "test": {"hit@1": 0.25}, "by_kind": {}}}}
    assert system_metrics(split) == {"docqa": {"hit@1": 0.5}}
    assert system_metrics(split, "test") == {"docqa": {"hit@1": 0.25}}
    flat = {"systems": {"bm25": {"hit@1": 1, "note": "x", "by_page": {"p": {}}}}}
    assert system_metrics(flat) == {"bm25": {"hit@1": 1, "note": "x"}}
    listed = {"systems": [{"system": "docqa", "hit@1": 0.5}]}
    assert system_metrics(listed) == {"docqa": {"hit@1": 0.5}}
    assert system_metrics({}) == {}


def test_side_by_side_is_one_row_per_metric_as_text() -> None:
    rows = side_by_side({"docqa": {"n": 4, "hit@1": 0.5}, "bm25": {"hit@1": 0.25, "ok": True}})
    assert rows == [
        {"metric": "questions", "docqa": "4", "bm25": ""},
        {"metric": "hit@1", "docqa": "0.500", "bm25": "0.250"},
        {"metric": "ok", "docqa": "", "bm25": "yes"},
    ]
    assert fmt(None) == "" and fmt(False) == "no"


def test_filters_counts_and_table(eval_run: Path) -> None:
    rows = load_run(eval_run).results
    assert pages_of(rows) == ["widget-encryption", "widget-logging", "widget-rotation"]
    assert [r.id for r in filter_rows(rows, outcome="missed page")] == ["w2"]
    assert len(filter_rows(rows, page="widget-rotation", system="docqa")) == 1
    counts = {c["system"]: c for c in outcome_counts(rows)}
    assert counts["bm25"]["wrong refusal"] == 1 and counts["docqa"]["correct"] == 3
    table = result_table(rows[:1])
    assert table[0]["outcome"] == "correct" and table[0]["ms"] == 12.5
