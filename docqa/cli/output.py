"""What commands print: data to stdout (JSON or a summary), progress bars to stderr."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from docqa.progress import JsonlProgress


def emit(data: Any, as_json: bool, text: str) -> None:
    """Data to stdout: JSON for machines, or a short human summary."""
    if as_json:
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            data = dataclasses.asdict(data)
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text)


class TqdmProgress:
    """A progress bar on stderr driven by (stage, done, total) callbacks."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, file=sys.stderr, unit="", leave=False)
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def close(self) -> None:
        """Finish the current bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def progress_bar(quiet: bool, jsonl: bool = False) -> Iterator[TqdmProgress | JsonlProgress]:
    """A progress callback whose bar is gone when the block ends (or, for a parent process,
    one JSON object per step)."""
    progress = JsonlProgress(quiet) if jsonl else TqdmProgress(quiet)
    try:
        yield progress
    finally:
        progress.close()
