"""Run `docqa eval` as a child process, following its progress (one JSON object per step),
and find the folder it wrote (it names the run itself and points `latest` at it)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.audit import AuditLog
from app.auth import Action, Actor, authorize
from app.serve import child_env
from docqa.errors import DocqaError
from docqa.progress import Step
from eval.results import latest_run, list_runs

if TYPE_CHECKING:
    from docqa.settings import Settings


@dataclass(frozen=True)
class EvalProgress:
    """How far a running evaluation is (stage and counts once the child has reported a step)."""

    seconds: float
    stage: str = ""
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float | None:
        """Share done of the current stage, when known."""
        return min(self.done / self.total, 1.0) if self.total else None


@dataclass(frozen=True)
class EvalOutcome:
    """How an evaluation ended: the folder it wrote (None if none), status and output."""

    run: Path | None
    returncode: int
    seconds: float
    log_tail: str

    @property
    def ok(self) -> bool:
        """Finished, and every threshold met."""
        return self.run is not None and self.returncode == 0

    @property
    def error_line(self) -> str:
        """The `Error: ...` line the command printed, if any."""
        lines = [ln for ln in self.log_tail.splitlines() if ln.startswith("Error:")]
        return lines[-1].removeprefix("Error:").strip() if lines else ""


def eval_command(runs_dir: Path) -> list[str]:
    """The command line of a new evaluation writing a run folder under `runs_dir`."""
    return [sys.executable, "-m", "docqa", "eval", "--out", str(runs_dir), "--progress", "jsonl"]


def parse_progress(output: str, seconds: float) -> EvalProgress:
    """The last step the command reported in its output."""
    for line in reversed(output.splitlines()):
        step = Step.from_line(line)
        if step is not None:
            return EvalProgress(seconds, step.stage, step.done, step.total)
    return EvalProgress(seconds)


def log_tail(output: str, size: int = 3000) -> str:
    """The end of the command's output without its progress steps (what a reader wants to see
    when it failed)."""
    lines = [line for line in output.splitlines() if Step.from_line(line) is None]
    return "\n".join(lines)[-size:]


def _tail(path: Path, size: int = 4000) -> str:
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - size, 0))
        return handle.read().decode("utf-8", errors="replace")


class EvalStartError(DocqaError):
    """The evaluation's child process could not be started (no docqa on PATH, no memory)."""


def run_eval(
    settings: Settings,
    on_progress: Callable[[EvalProgress], None],
    poll: float = 0.3,
    *,
    actor: Actor,
) -> EvalOutcome:
    """Run an evaluation to the end, reporting progress; the child is stopped if this is
    interrupted (the user left the page). Only a maintainer may (Forbidden otherwise)."""
    authorize(actor, Action.EVALUATE, AuditLog.of(settings))
    runs_dir = settings.eval_path
    before = {p.name for p in list_runs(runs_dir)}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docqa-eval-") as tmp:
        log = Path(tmp) / "eval.log"
        try:
            with log.open("ab") as out:
                child = subprocess.Popen(
                    eval_command(runs_dir),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=child_env(settings),
                )
        except OSError as exc:
            raise EvalStartError(f"`docqa eval` could not start: {exc}") from exc
        try:
            while child.poll() is None:
                on_progress(parse_progress(_tail(log), time.perf_counter() - start))
                time.sleep(poll)
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait(timeout=10)
        tail = log_tail(_tail(log, 256_000))
    latest = latest_run(runs_dir)
    run = latest if latest is not None and latest.name not in before else None
    return EvalOutcome(run, child.returncode, time.perf_counter() - start, tail)
