"""Progress steps as JSON lines: what `docqa eval --progress jsonl` prints and the app reads."""

from __future__ import annotations

import io

import pytest

from docqa.progress import JsonlProgress, Step


def test_a_step_survives_the_trip_through_a_line() -> None:
    step = Step("asking (docqa) – café", 3, 7)
    assert "\n" not in step.to_line() and Step.from_line(step.to_line()) == step


@pytest.mark.parametrize(
    "line",
    [
        "asking (docqa):  40%|####      | 4/10",
        '{"stage": "x", "done": 1}',
        '{"stage": "x", "done": 1, "total": 2, "more": 0}',
        '{"stage": "x", "done": "1", "total": 2}',
        '{"stage": "x", "done": true, "total": 2}',
        "[1, 2, 3]",
        "",
    ],
)
def test_any_other_line_is_no_step(line: str) -> None:
    assert Step.from_line(line) is None


def test_jsonl_progress_prints_one_line_per_step_unless_quiet() -> None:
    out = io.StringIO()
    progress = JsonlProgress(stream=out)
    progress("embedding", 1, 2)
    progress("embedding", 2, 2)
    progress.close()
    JsonlProgress(quiet=True, stream=out)("hidden", 0, 1)
    steps = [Step.from_line(line) for line in out.getvalue().splitlines()]
    assert steps == [Step("embedding", 1, 2), Step("embedding", 2, 2)]
