"""`docqa bench`: ingest speed, query latency, cold start and peak memory in one run."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from docqa.cli.options import corpus_option, folder_option, output_options
from docqa.cli.output import emit, progress_bar
from docqa.settings import Settings


@click.command()
@corpus_option("Folder of pages to measure on (default: the fetched corpus).")
@folder_option(
    "--out", help="Folder for bench.json and bench.md [default: data/bench/<timestamp>]."
)
@click.option(
    "--queries",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Warm queries to time, the evaluation questions repeated.",
)
@output_options
@click.pass_obj
def bench(
    settings: Settings,
    corpus_dir: Path | None,
    out: Path | None,
    queries: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure ingest speed, query latency, cold start and peak memory in one run."""
    from eval.bench import BenchOptions, run_bench

    words = ["docqa", "bench", "--queries", str(queries)]
    words += ["--corpus", str(corpus_dir)] if corpus_dir else []
    words += ["--out", str(out)] if out else []
    command = shlex.join(words)
    options = BenchOptions(corpus=corpus_dir, out_dir=out, queries=queries, command=command)
    with progress_bar(quiet) as progress:
        result = run_bench(settings, options, progress)
    emit(result.data, as_json, result.table)
    if not quiet:
        click.echo(f"Results in {result.out_dir}", err=True)
