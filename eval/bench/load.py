"""`docqa load-check`: concurrent clients of a real `docqa api` beside the same questions
asked in-process, for a fixed time each; latency percentiles and errors, never a pass/fail.

The two sides take turns in rounds: on a shared two-core machine the same engine runs 30%
faster or slower from one minute to the next, and alternating spreads that over both.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from docqa.errors import DocqaError
from docqa.settings import Settings, settings_env
from eval.metrics import percentile
from eval.questions import TUNE_QUESTIONS, load_questions


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def questions() -> list[str]:
    """The tuning file's questions that stand alone (never the frozen test file)."""
    return [q.question for q in load_questions(TUNE_QUESTIONS) if not q.history]


ROUNDS = 4  # turns each side takes


class Side:
    """What one side measured over its rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.seconds = 0.0

    def summary(self) -> dict[str, Any]:
        """Counts, throughput and latency percentiles."""
        return summary(self.latencies, self.errors, self.seconds)


def run_round(
    side: Side, clients: int, seconds: float, ask: Callable[[str], object], asked: list[str]
) -> None:
    """One turn of `clients` threads for `seconds`, added to `side`."""
    latencies, errors = side.latencies, side.errors
    lock = threading.Lock()
    turn = count()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            question = asked[next(turn) % len(asked)]
            start = time.perf_counter()
            try:
                ask(question)
            except Exception as exc:  # counted, not raised: the figure is the point
                with lock:
                    errors.append(repr(exc)[:200])
                continue
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    side.seconds += time.perf_counter() - start


def summary(latencies: list[float], errors: list[str], seconds: float) -> dict[str, Any]:
    """Counts, throughput and latency percentiles of one side."""
    p50, p95 = (percentile(latencies, q) for q in (50, 95)) if latencies else (0.0, 0.0)
    return {
        "answers": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "per_second": round(len(latencies) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "seconds": round(seconds, 1),
    }


class ApiProcess:
    """A `docqa api` child on a free loopback port, with no rate limit."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, **settings_env(settings, serving={"questions_per_minute": 0})}
        command = [sys.executable, "-m", "docqa", "api", "--port", str(self.port)]
        with log.open("wb") as out:
            self.child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 120) -> None:
        """Until /healthz answers (DocqaError if the child dies or never answers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                err = self.log.read_text(errors="replace")[-2000:]
                raise DocqaError(f"docqa api exited with {self.child.returncode}: {err}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise DocqaError(f"docqa api did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """End the child."""
        self.child.terminate()
        try:
            self.child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()


def run_load_check(
    settings: Settings, clients: int, seconds: float, out: Path | None, quiet: bool
) -> dict[str, Any]:
    """Both sides, taking turns; the report is written to `out`/load.json."""
    from app.engine import Engine

    asked = questions()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out or settings.data_dir / "bench" / f"load-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)

    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr)

    server = ApiProcess(settings, folder / "api.log")
    try:
        server.wait()
        with httpx.Client(base_url=server.url, timeout=120) as http:

            def over_http(question: str) -> None:
                reply = http.post("/v1/ask", json={"question": question})
                if reply.status_code != 200:
                    raise RuntimeError(f"HTTP {reply.status_code}: {reply.text[:120]}")

            over_http(asked[0])  # the first answer loads the model: not timed
            engine = Engine(settings)
            engine.ask(asked[0])
            remote, here = Side(), Side()
            for n in range(ROUNDS):
                say(f"load-check: round {n + 1} of {ROUNDS}, {clients} API clients, then threads")
                run_round(remote, clients, seconds / ROUNDS, over_http, asked)
                run_round(here, clients, seconds / ROUNDS, engine.ask, asked)
    finally:
        server.stop()
    api_side, local = remote.summary(), here.summary()
    report = {
        "rounds": ROUNDS,
        "clients": clients,
        "questions": len(asked),
        "api": api_side,
        "in_process": local,
        "summary": (
            f"API, {clients} clients: p50 {api_side['p50_ms']} ms, p95 {api_side['p95_ms']} ms, "
            f"{api_side['per_second']}/s, {api_side['errors']} errors; in-process: "
            f"p50 {local['p50_ms']} ms, p95 {local['p95_ms']} ms, {local['per_second']}/s, "
            f"{local['errors']} errors"
        ),
    }
    (folder / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    say(f"load-check: report in {folder / 'load.json'}")
    return report
