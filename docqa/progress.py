"""The progress callbacks every stage accepts, and the JSON-lines form in which a child
process reports them to its parent (`docqa eval --progress jsonl`, read by the app)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TextIO

# (stage, done, total): how far a stage is; the CLI draws a bar, the UI a progress widget.
Progress = Callable[[str, int, int], None]
# One message per step (getting the pages: a line per page or guide).
Notice = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One progress report: a stage and how far it is."""

    stage: str
    done: int
    total: int

    def to_line(self) -> str:
        """The step as one JSON object on one line."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> Step | None:
        """The step a line written by `to_line` holds, or None for any other line."""
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict) or set(data) != {"stage", "done", "total"}:
            return None
        stage, done, total = data["stage"], data["done"], data["total"]
        if not isinstance(stage, str) or not all(type(n) is int for n in (done, total)):
            return None
        return cls(stage, done, total)


class JsonlProgress:
    """A Progress that prints one JSON object per step, for a parent process to read."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.quiet:
            print(Step(stage, done, total).to_line(), file=self.stream or sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to finish (the same interface as the CLI's progress bar)."""
