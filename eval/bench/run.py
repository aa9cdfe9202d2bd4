"""`docqa bench`: ingest speed, query latency, cold start and memory, measured in one run.

Everything is built in a temporary folder, so the main index is never touched. The model is
loaded once in this process; the subprocess parts (no-change re-ingest, ingest memory, cold
start) each start from nothing, as a user's command does.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.discover import FolderNotFoundError
from docqa.errors import PathError
from docqa.progress import Progress
from eval.bench.builds import ingest_child, ingest_timings, ratio
from eval.bench.machine import docqa_argv, machine, peak_rss_mb
from eval.bench.models import BenchOptions, BenchResult, BenchRun
from eval.bench.queries import cold_start, query_baseline, query_docqa, tutorial_cold_start
from eval.bench.report import markdown, table, targets
from eval.questions import load_questions

if TYPE_CHECKING:
    from docqa.settings import Settings


def run_bench(
    settings: Settings, options: BenchOptions, progress: Progress | None = None
) -> BenchResult:
    """Measure everything once and write bench.json and bench.md to the output folder."""
    corpus = (options.corpus or settings.corpus_path).resolve()
    if not corpus.is_dir():
        raise FolderNotFoundError(f"No pages at {corpus}. Get them: docqa corpus fetch")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out_dir = options.out_dir or settings.data_dir / "bench" / stamp
    questions = load_questions(options.questions)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_before = machine()["load_average"]
    with tempfile.TemporaryDirectory(prefix="docqa-bench-") as tmp:
        update = {
            "data_dir": Path(tmp) / "data",
            "index_dir": Path(tmp) / "index",
            "corpus_dir": corpus,
            "neighbours_dir": settings.neighbours_path,  # the same ones as the main index
            "chroma_url": None,  # always the embedded store, in the temporary folder
        }
        bench_settings = settings.model_copy(update=update)
        run = BenchRun(bench_settings, corpus, Path(tmp), options, progress or _quiet, questions)
        data = _measure(run)
    data["targets"] = targets(data)
    data["machine"] = {**machine(), "load_average_before": load_before}
    data["command"] = options.command
    data["started_at"] = started
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError(f"Cannot create {out_dir}: {exc.strerror or exc}") from exc
    (out_dir / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    (out_dir / "bench.md").write_text(markdown(data))
    return BenchResult(data, table(data), out_dir)


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _measure(run: BenchRun) -> dict[str, Any]:
    from ingest.embed import load_embedder

    run.progress("bench: loading model", 0, 1)
    start = time.perf_counter()
    embedder = load_embedder(run.settings)
    embedder.encode(["warm up the model"] * 8)
    model_load_s = time.perf_counter() - start
    ingest = ingest_timings(run, embedder)
    ingest["model_load_s"] = model_load_s
    noop, noop_report = run.child(
        "no-change re-ingest", docqa_argv("ingest", "--corpus", str(run.corpus), "--json", "-q")
    )
    ingest_child_run = ingest_child(run)
    cold = cold_start(run)
    tutorial = tutorial_cold_start(run)
    query, query_rss = query_docqa(run, embedder)
    baseline = query_baseline(run, embedder)
    return {
        "corpus": str(run.corpus),
        "model": run.settings.embedding_id,
        "ingest": ingest,
        "ingest_subprocess": ingest_child_run,
        "reingest_noop_s": noop.seconds,
        "reingest_noop": {
            "embedded_chunks": noop_report["embedded_chunks"],
            "model_loaded": noop_report["embedded_chunks"] != 0,
            "chunks": noop_report["chunks"],
            "argv": noop.argv,
        },
        "query": query,
        "baseline_query": baseline,
        "query_ratio": {key: ratio(query[key], baseline[key]) for key in ("p50_ms", "p95_ms")},
        "cold_start_s": statistics.median(c.seconds for c in cold),
        "cold_start": {"runs_s": [c.seconds for c in cold], "argv": cold[0].argv},
        "tutorial_cold_start_s": statistics.median(c.seconds for c in tutorial),
        "tutorial_cold_start": {"runs_s": [c.seconds for c in tutorial], "argv": tutorial[0].argv},
        "cold_ratio": ratio(
            statistics.median(c.seconds for c in cold),
            statistics.median(c.seconds for c in tutorial),
        ),
        "peak_rss_mb": {
            "ingest": ingest_child_run["peak_rss_mb"],
            "query": query_rss,
            "ask_cold": max(c.peak_rss_mb for c in cold),
            "reingest_noop": noop.peak_rss_mb,
            "bench_process": peak_rss_mb(),
        },
    }
