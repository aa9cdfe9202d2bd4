"""What `docqa bench` is asked to do, what it hands back, and the run its steps share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docqa.errors import DocqaError
from docqa.progress import Progress
from eval.bench.machine import ChildRun, bench_env, run_child
from eval.questions import TUNE_QUESTIONS, EvalQuestion

if TYPE_CHECKING:
    from docqa.settings import Settings


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
class BenchRun:
    """One bench run: its settings and temporary folder, the options, the questions."""

    settings: Settings
    corpus: Path
    tmp: Path
    options: BenchOptions
    progress: Progress
    questions: list[EvalQuestion]

    def child(self, what: str, argv: list[str], **env: Any) -> tuple[ChildRun, Any]:
        """Run a docqa command as a user would; its JSON output, parsed."""
        self.progress(f"bench: {what}", 0, 1)
        done = run_child(argv, bench_env(self.settings, **env))
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-5:]
            raise BenchError(f"`{' '.join(argv)}` exited {done.returncode}: {' | '.join(tail)}")
        return done, json.loads(done.stdout)
