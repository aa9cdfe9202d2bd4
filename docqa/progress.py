"""The progress callbacks every stage accepts; the CLI and the UI decide how to show them."""

from __future__ import annotations

from collections.abc import Callable

# (stage, done, total): how far a stage is; the CLI draws a bar, the UI a progress widget.
Progress = Callable[[str, int, int], None]
# One message per step (getting the pages: a line per page or guide).
Notice = Callable[[str], None]
