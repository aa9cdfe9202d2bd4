"""Running `docqa eval` as a child process with progress."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import evalrun
from app.auth import LOCAL
from app.evalrun import EvalProgress, log_tail, parse_progress, run_eval
from docqa.errors import DocqaError
from docqa.progress import Step

WRITER = Path(__file__).with_name("conftest.py")


def fake_eval(body: str) -> str:
    return (
        "import importlib.util, pathlib, sys, time\n"
        f"spec = importlib.util.spec_from_file_location('fx', {str(WRITER)!r})\n"
        "fx = importlib.util.module_from_spec(spec); spec.loader.exec_module(fx)\n"
        "runs = pathlib.Path(sys.argv[1])\n" + body
    )


def test_progress_is_read_from_the_last_whole_step() -> None:
    steps = [Step("loading model", 0, 1).to_line(), Step("asking (bm25)", 4, 10).to_line()]
    output = "\n".join([*steps, "a warning", '{"stage": "asking (bm25)", "do'])
    step = parse_progress(output, 2.0)
    assert (step.stage, step.done, step.total) == ("asking (bm25)", 4, 10)
    assert step.fraction == 0.4
    assert parse_progress("no step here\n[1, 2]", 1.0) == EvalProgress(1.0)


def test_the_log_tail_leaves_the_steps_out() -> None:
    output = "\n".join(["Traceback", Step("asking (docqa)", 1, 2).to_line(), "Error: boom"])
    assert log_tail(output) == "Traceback\nError: boom"


def test_a_run_that_writes_a_folder(
    settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # The child goes on only once the progress was reported (a file says so), however slowly
    # either side runs; its own deadline only keeps a broken test from hanging.
    seen_it = tmp_path / "progress-seen"
    body = (
        "from docqa.progress import JsonlProgress\n"
        "JsonlProgress()('asking (docqa)', 1, 2)\n"
        "deadline = time.monotonic() + 120\n"
        f"while not pathlib.Path({str(seen_it)!r}).exists() and time.monotonic() < deadline:\n"
        "    time.sleep(0.02)\n"
        "fx.write_run(runs, 'new-run')\n"
    )
    script = fake_eval(body)
    monkeypatch.setattr(evalrun, "eval_command", lambda out: [sys.executable, "-c", script, out])
    seen: list[EvalProgress] = []

    def report(step: EvalProgress) -> None:
        seen.append(step)
        if step.stage == "asking (docqa)":
            seen_it.touch()

    outcome = run_eval(settings, report, poll=0.05, actor=LOCAL)
    assert outcome.ok and outcome.run == settings.eval_path / "new-run"
    assert seen_it.exists(), "the progress line was never reported"
    assert [(s.done, s.total) for s in seen if s.stage][:1] == [(1, 2)]


def test_thresholds_missed_still_show_the_run(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    body = (
        "fx.write_run(runs, 'weak-run')\n"
        "print('Error: thresholds not met: docqa hit@1 0.1 < min 0.5'); sys.exit(1)\n"
    )
    script = fake_eval(body)
    monkeypatch.setattr(evalrun, "eval_command", lambda out: [sys.executable, "-c", script, out])
    outcome = run_eval(settings, lambda step: None, poll=0.05, actor=LOCAL)
    assert not outcome.ok and outcome.run is not None and outcome.run.name == "weak-run"
    assert outcome.error_line.startswith("thresholds not met")


def test_a_failed_run_has_no_folder(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    script = "import sys; print('Error: No index yet'); sys.exit(1)"
    monkeypatch.setattr(evalrun, "eval_command", lambda out: [sys.executable, "-c", script])
    outcome = run_eval(settings, lambda step: None, poll=0.05, actor=LOCAL)
    assert outcome.run is None and outcome.returncode == 1
    assert outcome.error_line == "No index yet"


def test_the_real_command_line() -> None:
    command = evalrun.eval_command(Path("runs"))
    assert command[1:] == ["-m", "docqa", "eval", "--out", "runs", "--progress", "jsonl"]


def test_a_child_that_cannot_start_is_a_user_error(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    missing = "/nonexistent/docqa-not-installed"
    monkeypatch.setattr(evalrun, "eval_command", lambda out: [missing, "eval"])
    with pytest.raises(evalrun.EvalStartError, match="could not start") as caught:
        run_eval(settings, lambda step: None, poll=0.05, actor=LOCAL)
    assert isinstance(caught.value, DocqaError)
