"""`docqa load-check` runs and reports; it measures, it is not judged (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docqa.cli import cli
from docqa.settings import Settings, settings_env
from eval.bench.load import Side, run_round


def test_a_round_counts_answers_and_errors_apart() -> None:
    side = Side()

    def ask(question: str) -> None:
        if "bad" in question:
            raise RuntimeError("HTTP 500")

    run_round(side, 2, 0.2, ask, ["good?", "bad?"])
    report = side.summary()
    assert report["answers"] > 0 and report["errors"] > 0
    assert report["answers"] + report["errors"] == len(side.latencies) + len(side.errors)
    assert report["first_errors"][0].startswith("RuntimeError")
    assert report["p50_ms"] <= report["p95_ms"]


@pytest.mark.slow
def test_load_check_drives_a_real_api_and_the_engine(fake_index: Settings, tmp_path: Path) -> None:
    out = tmp_path / "load"
    args = ["load-check", "--clients", "2", "--seconds", "2", "--out", str(out), "--json", "-q"]
    result = CliRunner().invoke(cli, args, env=settings_env(fake_index))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == json.loads((out / "load.json").read_text())
    for side in ("api", "in_process"):
        assert report[side]["answers"] > 0 and report[side]["errors"] == 0
    assert report["clients"] == 2 and "p95" in report["summary"]
