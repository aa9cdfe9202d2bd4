"""Query timings of `docqa bench`: warm queries of docqa and the baseline, and cold starts."""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eval.bench.machine import ChildRun, docqa_argv, peak_rss_mb, percentiles, reset_peak_rss
from eval.bench.models import BenchError, BenchRun
from eval.questions import EvalQuestion

if TYPE_CHECKING:
    from app.models import Answer
    from ingest.embed import Embedder

STAGES = ("embed", "dense", "units", "lexical", "fusion", "retrieve", "answer", "total")
WARMUP = 5  # questions asked first, untimed: the last ones, so no timed question repeats one


def cold_start(run: BenchRun) -> list[ChildRun]:
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


def tutorial_cold_start(run: BenchRun) -> list[ChildRun]:
    """The LangChain tutorial script answering the same question from a fresh process, its
    store built beforehand (untimed), as `docqa ask` finds its index built."""
    question = next(q.question for q in run.questions if q.answerable and not q.history)
    store = run.tmp / "tutorial-store"
    argv = [sys.executable, "-m", "eval.bench.tutorial", str(store), str(run.corpus), question]
    run.child("tutorial store", argv)
    runs = []
    for n in range(max(1, run.options.cold_runs)):
        done, answer = run.child(f"tutorial cold start {n + 1}", argv)
        if answer.get("built") or not answer.get("answer"):
            raise BenchError("the tutorial script rebuilt its store or found nothing")
        runs.append(done)
    return runs


def _cycle(questions: Sequence[EvalQuestion], n: int) -> list[EvalQuestion]:
    return [questions[i % len(questions)] for i in range(n)]


def query_docqa(run: BenchRun, embedder: Embedder) -> tuple[dict[str, Any], float]:
    """Engine.ask on the questions, warm; per-stage percentiles and the phase's peak RSS. A
    follow-up is asked as in a chat: its earlier turns are asked first (untimed), and it
    gets their answers."""
    from app.engine import Engine

    gc.collect()
    reset = reset_peak_rss()
    engine = Engine(run.settings, embedder=embedder)

    def ask(q: EvalQuestion) -> Answer:
        earlier: list[Answer] = []
        for turn in q.history:
            earlier.append(engine.ask(turn, earlier))
        return engine.ask(q.question, earlier)

    for q in run.questions[-WARMUP:]:  # docqa keeps recent questions' embeddings
        ask(q)
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    items = _cycle(run.questions, run.options.queries)
    for n, q in enumerate(items, 1):
        answer = ask(q)
        for stage in STAGES:
            timings[stage].append(answer.timings_ms.get(stage, 0.0))
        if n % 10 == 0 or n == len(items):
            run.progress("bench: docqa queries", n, len(items))
    rss = peak_rss_mb()
    summary: dict[str, Any] = {"n": len(items), **percentiles(timings["total"])}
    summary["stages"] = {stage: percentiles(values) for stage, values in timings.items()}
    summary["peak_rss_reset"] = reset
    return summary, rss


def query_baseline(run: BenchRun, embedder: Embedder) -> dict[str, Any]:
    """The LangChain tutorial baseline on the same questions (the question alone)."""
    from eval.baselines import LangChainTutorial

    run.progress("bench: baseline index", 0, 1)
    baseline = LangChainTutorial(run.corpus, embedder, run.settings.k)
    try:
        for q in run.questions[-WARMUP:]:
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
