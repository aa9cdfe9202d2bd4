"""`docqa bench` with the fake embedder: the JSON shape other tools read, and sane numbers.

Benchmarks are not tests: nothing here asserts a timing target.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docqa.cli import cli
from eval.bench.machine import percentiles, run_child
from eval.bench.report import table, targets
from tests.support.embedders import FAKE, FAKE_MODEL

KEYS = (
    "ingest.chunks_per_s",
    "ingest.encode_ratio",
    "reingest_noop_s",
    "query.p50_ms",
    "query.p95_ms",
    "baseline_query.p95_ms",
    "cold_start_s",
    "tutorial_cold_start_s",
    "cold_ratio",
    "query_ratio.p95_ms",
    "peak_rss_mb.ingest",
    "peak_rss_mb.query",
)


def dig(data: dict[str, Any], dotted: str) -> Any:
    for key in dotted.split("."):
        data = data[key]
    return data


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, security_corpus: Path) -> dict[str, Any]:
    """One `docqa bench --json` run on the 16 pages with the fake embedder, 20 queries."""
    root = tmp_path_factory.mktemp("bench")
    env = {
        "DOCQA_DATA_DIR": str(root / "data"),
        "DOCQA_EMBED_MODEL": FAKE_MODEL,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    args = ["bench", "--corpus", str(security_corpus), "--queries", "20", "--json", "--quiet"]
    result = CliRunner().invoke(cli, [*args, "--out", str(root / "out")], env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    data["_out"] = str(root / "out")
    return data


@pytest.mark.slow
def test_json_holds_every_key_other_tools_read(bench: dict[str, Any]) -> None:
    for key in KEYS:
        value = dig(bench, key)
        assert isinstance(value, float | int) and value > 0, key
    assert set(bench["query"]["stages"]) >= {"embed", "dense", "lexical", "fusion", "answer"}
    assert bench["machine"]["cores"] >= 1 and bench["machine"]["cpu_model"]
    assert bench["command"].startswith("docqa ") and bench["model"] == FAKE_MODEL


@pytest.mark.slow
def test_numbers_are_consistent(bench: dict[str, Any]) -> None:
    ingest = bench["ingest"]
    assert ingest["pages"] == 16
    assert ingest["chunks"] == ingest["embedded_chunks"]
    # The raw encode embeds what every rebuild embeds: the chunks and their answer units.
    assert ingest["encode_chunks"] > ingest["chunks"]
    assert bench["ingest_subprocess"]["chunks"] == ingest["chunks"]
    # The raw encode reproduces the stored vectors: the very same texts were embedded.
    assert ingest["encode_max_abs_diff"] < 1e-5
    # The ratio is raw encode time over ingest time (1.0: ingest costs nothing beyond it).
    assert ingest["encode_ratio"] == pytest.approx(ingest["encode_seconds"] / ingest["seconds"])
    # A quick ingest is timed in five alternating rounds; the medians are reported.
    rounds = ingest["rounds"]
    assert len(rounds) == 5
    assert ingest["seconds"] == pytest.approx(sorted(r["ingest_s"] for r in rounds)[2])
    assert ingest["encode_seconds"] == pytest.approx(sorted(r["encode_s"] for r in rounds)[2])
    assert bench["reingest_noop"]["embedded_chunks"] == 0
    assert bench["reingest_noop"]["model_loaded"] is False
    assert bench["reingest_noop"]["chunks"] == ingest["chunks"]
    for part in ("query", "baseline_query"):
        assert bench[part]["n"] == 20
        assert 0 < bench[part]["p50_ms"] <= bench[part]["p95_ms"]
    stages = bench["query"]["stages"]
    assert stages["retrieve"]["p50_ms"] <= stages["total"]["p50_ms"]
    runs = bench["cold_start"]["runs_s"]
    assert min(runs) <= bench["cold_start_s"] <= max(runs)
    tutorial = bench["tutorial_cold_start"]["runs_s"]
    assert len(tutorial) == len(runs) and min(tutorial) <= bench["tutorial_cold_start_s"]
    assert bench["cold_ratio"] == pytest.approx(
        bench["cold_start_s"] / bench["tutorial_cold_start_s"]
    )
    assert "eval.bench.tutorial" in bench["tutorial_cold_start"]["argv"]


@pytest.mark.slow
def test_chunks_equal_the_index_chunk_count(bench: dict[str, Any], fake_index) -> None:  # type: ignore[no-untyped-def]
    from ingest.store import open_store

    info = open_store(fake_index).info()
    assert info is not None and bench["ingest"]["chunks"] == info.chunks


@pytest.mark.slow
def test_results_folder_holds_json_and_markdown(bench: dict[str, Any]) -> None:
    out = Path(bench["_out"])
    written = json.loads((out / "bench.json").read_text())
    assert written["ingest"] == bench["ingest"]
    text = (out / "bench.md").read_text()
    assert "| measure | docqa | reference | ratio | target |" in text
    assert bench["machine"]["cpu_model"] in text and bench["command"] in text


@pytest.mark.slow
def test_targets_are_reported_not_asserted(bench: dict[str, Any]) -> None:
    found = targets(bench)
    assert set(found) == set(bench["targets"])
    assert all(isinstance(t["met"], bool) for t in found.values())
    assert "encode" in table(bench) and "p95" in table(bench)


@pytest.mark.slow
def test_a_large_corpus_has_the_larger_query_target(bench: dict[str, Any]) -> None:
    assert targets(bench)["query.p95_ms"]["target"] == "query p95 < 50 ms"
    large = {**bench, "ingest": {**bench["ingest"], "pages": 1645}}
    found = targets(large)["query.p95_ms"]
    assert "150 ms" in found["target"]
    assert found["met"] == (bench["query"]["p95_ms"] < 150)


def test_missing_corpus_is_a_user_error(tmp_path: Path) -> None:
    env = {
        "DOCQA_DATA_DIR": str(tmp_path / "data"),
        "DOCQA_EMBED_MODEL": FAKE_MODEL,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    result = CliRunner().invoke(cli, ["bench", "--quiet"], env=env)
    assert result.exit_code == 1 and "Error:" in result.output


def test_percentiles() -> None:
    found = percentiles([float(x) for x in range(1, 101)])
    assert found["p50_ms"] == pytest.approx(50.5)
    assert found["p95_ms"] == pytest.approx(95.05)
    assert percentiles([])["p95_ms"] == 0.0


def test_child_peak_rss_is_its_own() -> None:
    ballast = b"x" * (300 * 1024 * 1024)  # a big parent must not make its child look big
    code = "b = bytearray(100 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    done = run_child([sys.executable, "-c", code], dict(os.environ))
    assert done.returncode == 0 and 100 <= done.peak_rss_mb < 250
    del ballast
