"""`docqa eval`, `tune`, `calibrate` and `feedback`: measure docqa, fit it, learn from users."""

from __future__ import annotations

from pathlib import Path

import click

from docqa.cli.options import (
    corpus_option,
    file_option,
    folder_option,
    output_options,
    questions_option,
)
from docqa.cli.output import emit, progress_bar
from docqa.settings import Settings


@click.command("eval")
@questions_option(
    "Questions file (JSON Lines), repeatable [default: eval/tune.jsonl and eval/test.jsonl].",
    multiple=True,
)
@corpus_option("Evaluate on this folder of pages, indexed aside (repeatable).", multiple=True)
@folder_option("--out", help="Folder of run folders [default: data/eval].")
@click.option("--baselines/--no-baselines", default=True, help="Also score the baselines.")
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="all",
    help="Without --questions: the tuning file, the test file, or both.",
)
@file_option("--thresholds", help="Minimums to meet [default: eval/thresholds.json].")
@click.option(
    "--in",
    "scope",
    metavar="GUIDE",
    help="Answer from this guide only, docqa and the baselines alike [DOCQA_SCOPE].",
)
@click.option(
    "--compare-backend",
    type=click.Choice(["torch", "onnx-int8"]),
    help="Also score docqa with this embedding backend, on an index of its own.",
)
@click.option(
    "--progress",
    "progress_format",
    type=click.Choice(["bar", "jsonl"]),
    default="bar",
    help="Progress on stderr as a bar, or one JSON object per step (stage, done, total).",
)
@output_options
@click.pass_obj
def eval_command(
    settings: Settings,
    questions: tuple[Path, ...],
    corpus_dirs: tuple[Path, ...],
    out: Path | None,
    baselines: bool,
    split: str,
    thresholds: Path | None,
    scope: str | None,
    compare_backend: str | None,
    progress_format: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Score docqa and the baselines on question sets; write a results folder."""
    from eval.run import EvalOptions, run_eval

    options = EvalOptions(
        questions=questions,
        corpus_dirs=corpus_dirs,
        out_dir=out,
        baselines=baselines,
        split=split,
        thresholds=thresholds,
        compare_backend=compare_backend,
        scope=scope,
    )
    with progress_bar(quiet, progress_format == "jsonl") as progress:
        result = run_eval(
            settings,
            options,
            progress=progress,
            warn=lambda m: click.echo(f"Warning: {m}", err=True),
        )
    emit(result.summary, as_json, result.table)
    if not quiet:
        click.echo(f"Results in {result.run_dir}", err=True)
    if result.failures:
        raise click.ClickException("thresholds not met: " + "; ".join(result.failures))


@click.command()
@file_option(
    "--export",
    "out",
    required=True,
    help="Write the thumbs-down answers here as draft questions (JSON Lines).",
)
@output_options
@click.pass_obj
def feedback(settings: Settings, out: Path, as_json: bool, quiet: bool) -> None:
    """Turn thumbs-down answers from the app into draft evaluation questions to review."""
    from app.feedback import feedback_path
    from eval.feedback import export_drafts

    source = feedback_path(settings)
    count = export_drafts(source, out)
    emit(
        {"drafts": count, "file": str(out), "feedback": str(source)},
        as_json,
        f"{count} draft question(s) from {source} written to {out}: set 'answerable', the "
        "expected pages and facts of each, delete 'review', then add them to a questions file.",
    )


@click.command()
@questions_option("Questions file (default: eval/tune.jsonl; never the test file).", exists=True)
@file_option("--out", help="Settings file to write [default: data/settings.json].")
@output_options
@click.pass_obj
def tune(
    settings: Settings, questions: Path | None, out: Path | None, as_json: bool, quiet: bool
) -> None:
    """Fit the fusion weights on the tuning file and write them to a settings file (refusal
    is fitted by `docqa calibrate`)."""
    from eval.tune import run_tune, summary, write_settings

    target = out or settings.data_dir / "settings.json"
    with progress_bar(quiet) as progress:
        result = run_tune(settings, questions, progress)
    write_settings(result, target)
    emit({**result, "settings_file": str(target)}, as_json, summary(result, target))


@click.command()
@file_option("--out", help="Where to write the refusal model [default: data/calibration.json].")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the sampling.")
@output_options
@click.pass_obj
def calibrate(settings: Settings, out: Path | None, seed: int, as_json: bool, quiet: bool) -> None:
    """Fit the refusal model on pseudo-questions made from the pages and their neighbours."""
    from app.engine import Engine
    from eval.calibrate import calibrate as fit_calibration

    target = out or settings.data_dir / "calibration.json"
    with progress_bar(quiet) as progress:
        result = fit_calibration(Engine(settings), settings.neighbours_path, seed, progress)
        result.save(target)
    lines = [f"{name}: {figures}" for name, figures in result.about["pseudo_questions"].items()]
    emit(
        result,
        as_json,
        "\n".join(lines) + f"\nWritten to {target}; use it with DOCQA_CALIBRATION={target} "
        "(the shipped model is app/calibration.json).",
    )
