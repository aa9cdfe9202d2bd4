"""`docqa bench`: ingest speed, query latency, cold start and memory, measured in one run.

Everything is built in a temporary folder, so the main index is never touched. The model is
loaded once in this process; the subprocess parts (no-change re-ingest, ingest memory, cold
start) each start from nothing, as a user's command does.
"""

from __future__ import annotations

import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.discover import FolderNotFoundError
from docqa.errors import DocqaError
from eval.benchreport import markdown, table, targets
from eval.benchsys import (
    ChildRun,
    docqa_argv,
    machine,
    peak_rss_mb,
    percentiles,
    reset_peak_rss,
    run_child,
    settings_env,
)
from eval.questions import TUNE_QUESTIONS, Question, load_questions

if TYPE_CHECKING:
    from docqa.settings import Settings
    from ingest.embed import Embedder

Progress = Callable[[str, int, int], None]
STAGES = ("embed", "dense", "units", "lexical", "fusion", "retrieve", "answer", "total")
WARMUP = 5
INGEST_ROUNDS = 5
ROUND_BUDGET_S = 30.0  # a longer first round (a big corpus) is not repeated


class BenchError(DocqaError):
    """A benchmark step that could not run (a child command failed)."""


@dataclass(frozen=True)
class BenchOptions:
    """What to measure and where to write it."""

    corpus: Path | None = None
    out_dir: Path | None = None
    queries: int = 200
    cold_runs: int = 3
    questions: Path = TUNE_QUESTIONS
    command: str = ""


@dataclass(frozen=True)
class BenchResult:
    """The measurements (as written to bench.json), the table, and where they went."""

    data: dict[str, Any]
    table: str
    out_dir: Path


@dataclass
class _Run:
    settings: Settings
    corpus: Path
    tmp: Path
    options: BenchOptions
    progress: Progress
    questions: list[Question]

    def child(self, what: str, argv: list[str], **env: Any) -> tuple[ChildRun, Any]:
        """Run a docqa command as a user would; its JSON output, parsed."""
        self.progress(f"bench: {what}", 0, 1)
        done = run_child(argv, settings_env(self.settings, **env))
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-5:]
            raise BenchError(f"`{' '.join(argv)}` exited {done.returncode}: {' | '.join(tail)}")
        return done, json.loads(done.stdout)


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
        run = _Run(bench_settings, corpus, Path(tmp), options, progress or _quiet, questions)
        data = _measure(run)
    data["targets"] = targets(data)
    data["machine"] = {**machine(), "load_average_before": load_before}
    data["command"] = options.command
    data["started_at"] = started
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    (out_dir / "bench.md").write_text(markdown(data))
    return BenchResult(data, table(data), out_dir)


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _measure(run: _Run) -> dict[str, Any]:
    from ingest.embed import load_embedder

    run.progress("bench: loading model", 0, 1)
    start = time.perf_counter()
    embedder = load_embedder(run.settings)
    embedder.encode(["warm up the model"] * 8)
    model_load_s = time.perf_counter() - start
    ingest = _ingest(run, embedder)
    ingest["model_load_s"] = model_load_s
    noop, noop_report = run.child(
        "no-change re-ingest", docqa_argv("ingest", "--corpus", str(run.corpus), "--json", "-q")
    )
    ingest_child = _ingest_child(run)
    cold = _cold_start(run)
    query, query_rss = _query_docqa(run, embedder)
    baseline = _query_baseline(run, embedder)
    return {
        "corpus": str(run.corpus),
        "model": run.settings.embedding_id,
        "ingest": ingest,
        "ingest_subprocess": ingest_child,
        "reingest_noop_s": noop.seconds,
        "reingest_noop": {
            "embedded_chunks": noop_report["embedded_chunks"],
            "model_loaded": noop_report["embedded_chunks"] != 0,
            "chunks": noop_report["chunks"],
            "argv": noop.argv,
        },
        "query": query,
        "baseline_query": baseline,
        "query_ratio": {key: _ratio(query[key], baseline[key]) for key in ("p50_ms", "p95_ms")},
        "cold_start_s": statistics.median(c.seconds for c in cold),
        "cold_start": {"runs_s": [c.seconds for c in cold], "argv": cold[0].argv},
        "peak_rss_mb": {
            "ingest": ingest_child["peak_rss_mb"],
            "query": query_rss,
            "ask_cold": max(c.peak_rss_mb for c in cold),
            "reingest_noop": noop.peak_rss_mb,
            "bench_process": peak_rss_mb(),
        },
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _ingest(run: _Run, embedder: Embedder) -> dict[str, Any]:
    """docqa's whole ingest in this process, then the raw encode of the texts it embeds (the
    chunks and their answer units).

    The first build on a machine also embeds the neighbour headings into the model's cache; it
    is reported apart. The later builds and the raw encode are timed in alternating rounds (five
    when a round takes under half a minute, else one) and the medians compared, so a one-off
    cost (the first large batch through torch, first imports) or a noisy moment does not land
    on one side only.
    """
    first = _ingest_round(run, embedder)
    rounds: list[dict[str, Any]] = [] if first["headings"] else [first]
    while len(rounds) < INGEST_ROUNDS:
        rounds.append(_ingest_round(run, embedder))
        if rounds[0]["seconds"] + rounds[0]["encode_seconds"] > ROUND_BUDGET_S:
            break
    seconds = statistics.median(r["seconds"] for r in rounds)
    encode_s = statistics.median(r["encode_seconds"] for r in rounds)
    chunks_per_s = first["chunks"] / seconds
    raw_per_s = first["encode_chunks"] / encode_s if encode_s else 0.0
    return {
        "pages": first["pages"],
        "chunks": first["chunks"],
        "embedded_chunks": first["embedded_chunks"],
        "seconds": seconds,
        "chunks_per_s": chunks_per_s,
        "encode_chunks": first["encode_chunks"],
        "encode_seconds": encode_s,
        "encode_chunks_per_s": raw_per_s,
        # Raw encode time over ingest time: 1.0 means the ingest costs nothing beyond the model.
        "encode_ratio": _ratio(encode_s, seconds),
        "encode_max_abs_diff": max(r["encode_max_abs_diff"] for r in rounds),
        "rounds": [
            {"ingest_s": r["seconds"], "encode_s": r["encode_seconds"], "headings": r["headings"]}
            for r in rounds
        ],
        # The first build on a machine also embeds the neighbour headings (when neighbours
        # are set); later ones find them in the model's cache.
        "first_build": {
            "seconds": first["seconds"],
            "embedded_headings": first["headings"],
            "encode_ratio": _ratio(first["encode_seconds"], first["seconds"]),
        },
    }


def _ingest_round(run: _Run, embedder: Embedder) -> dict[str, Any]:
    """One full ingest (rebuild) and one raw encode of the texts every rebuild embeds: the
    chunks and their answer units (neighbour headings come from the model's cache)."""
    from ingest.pipeline import run_ingest
    from ingest.store import IndexStore
    from ingest.units import UnitIndex, embed_texts

    start = time.perf_counter()
    report = run_ingest(run.settings, lambda: embedder, run.corpus, True, run.progress)
    seconds = time.perf_counter() - start
    store = IndexStore(run.settings)
    info, collection = store.open_current()
    got = collection.get(include=["embeddings"])
    stored = list(got["embeddings"] if got["embeddings"] is not None else [])
    chunk_texts = [c.embed_text for c in _stored_chunks(collection)]
    units = UnitIndex.load(store.lexical_dir(info.build_id))
    unit_texts = sorted(set(embed_texts(units.units))) if units else []
    run.progress("bench: raw encode", 0, 1)
    encode = _raw_encode(run, embedder)
    start = time.perf_counter()
    vectors = encode(chunk_texts + unit_texts)
    encode_s = time.perf_counter() - start
    ids = sorted(got["ids"])
    order = {cid: i for i, cid in enumerate(got["ids"])}
    mine = np.asarray([stored[order[cid]] for cid in ids]) if stored else np.zeros((0, 0))
    diff = float(np.abs(np.asarray(vectors[: len(chunk_texts)]) - mine).max()) if stored else 0.0
    return {
        "pages": report.pages,
        "chunks": report.chunks,
        "embedded_chunks": report.embedded_chunks,
        "headings": report.embedded_headings,
        "seconds": seconds,
        "encode_chunks": len(chunk_texts) + len(unit_texts),
        "encode_seconds": encode_s,
        "encode_max_abs_diff": diff,
    }


def _stored_chunks(collection: Any) -> list[Any]:
    from ingest.build import read_chunks

    return read_chunks(collection)


def _raw_encode(run: _Run, embedder: Embedder) -> Callable[[list[str]], Any]:
    """SentenceTransformer.encode on the very model object docqa used, with docqa's options."""
    model = getattr(embedder, "model", None)
    if model is None:  # the test fake has no sentence-transformers model under it
        return embedder.encode

    def encode(texts: list[str]) -> Any:
        return model.encode(
            texts,
            batch_size=run.settings.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    return encode


def _ingest_child(run: _Run) -> dict[str, Any]:
    """A full `docqa ingest --rebuild` in its own process, into its own index: its peak RSS."""
    argv = docqa_argv("ingest", "--corpus", str(run.corpus), "--rebuild", "--json", "-q")
    done, report = run.child("ingest in a subprocess", argv, index_dir=run.tmp / "index-rss")
    return {
        "seconds": done.seconds,
        "chunks": report["chunks"],
        "chunks_per_s": report["chunks"] / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "argv": argv,
    }


def _cold_start(run: _Run) -> list[ChildRun]:
    """`docqa ask QUESTION --json` from process start to its answer."""
    question = next(q.question for q in run.questions if q.answerable and not q.history)
    argv = docqa_argv("ask", question, "--json", "-q")
    runs = []
    for n in range(max(1, run.options.cold_runs)):
        done, answer = run.child(f"cold start {n + 1}", argv)
        if "answer" not in answer:
            raise BenchError("`docqa ask --json` printed no answer")
        runs.append(done)
    return runs


def _cycle(questions: Sequence[Question], n: int) -> list[Question]:
    return [questions[i % len(questions)] for i in range(n)]


def _query_docqa(run: _Run, embedder: Embedder) -> tuple[dict[str, Any], float]:
    """Engine.ask on the questions, warm; per-stage percentiles and the phase's peak RSS."""
    from app.engine import Engine

    gc.collect()
    reset = reset_peak_rss()
    engine = Engine(run.settings, embedder=embedder)
    for q in run.questions[:WARMUP]:
        engine.ask(q.question, q.history)
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    items = _cycle(run.questions, run.options.queries)
    for n, q in enumerate(items, 1):
        answer = engine.ask(q.question, q.history)
        for stage in STAGES:
            timings[stage].append(answer.timings_ms.get(stage, 0.0))
        if n % 10 == 0 or n == len(items):
            run.progress("bench: docqa queries", n, len(items))
    rss = peak_rss_mb()
    summary: dict[str, Any] = {"n": len(items), **percentiles(timings["total"])}
    summary["stages"] = {stage: percentiles(values) for stage, values in timings.items()}
    summary["peak_rss_reset"] = reset
    return summary, rss


def _query_baseline(run: _Run, embedder: Embedder) -> dict[str, Any]:
    """The LangChain tutorial baseline on the same questions (the question alone)."""
    from eval.baselines import LangChainTutorial

    run.progress("bench: baseline index", 0, 1)
    baseline = LangChainTutorial(run.corpus, embedder, run.settings.k)
    try:
        for q in run.questions[:WARMUP]:
            baseline.ask(q.question, ())
        totals = []
        items = _cycle(run.questions, run.options.queries)
        for n, q in enumerate(items, 1):
            totals.append(baseline.ask(q.question, ()).timings_ms["total"])
            if n % 10 == 0 or n == len(items):
                run.progress("bench: baseline queries", n, len(items))
    finally:
        baseline.close()
    return {
        "system": baseline.name,
        "n": len(totals),
        "chunks": baseline.chunks,
        **percentiles(totals),
    }
