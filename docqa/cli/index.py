"""`docqa ingest`, `status` and `migrate`: build the index, say what it holds, move it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from docqa.cli.options import corpus_option, output_options
from docqa.cli.output import emit, progress_bar
from docqa.settings import Settings


@click.command()
@corpus_option("Folder of pages to index (default: the fetched corpus).")
@click.option("--rebuild", is_flag=True, help="Re-embed everything from scratch.")
@click.option("--chunk-size", type=int, help="Characters per chunk [DOCQA_CHUNK_SIZE].")
@output_options
@click.pass_obj
def ingest(
    settings: Settings,
    corpus_dir: Path | None,
    rebuild: bool,
    chunk_size: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Index the pages: only new and changed pages are embedded."""
    from ingest.embed import load_embedder
    from ingest.pipeline import run_ingest

    settings = settings.with_overrides(chunk_size=chunk_size)
    with progress_bar(quiet) as progress:
        report = run_ingest(
            settings, lambda: load_embedder(settings), corpus_dir, rebuild, progress
        )
    for skipped in report.skipped:
        click.echo(f"Skipped {skipped.path}: {skipped.reason}", err=True)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    emit(
        report,
        as_json,
        f"{report.pages} pages ({len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged), "
        f"{report.chunks} chunks ({report.embedded_chunks} embedded, "
        f"{report.embedded_units} sentences embedded), {report.neighbour_headings} neighbour "
        f"headings ({report.embedded_headings} embedded) in {report.seconds:.1f} s",
    )


@click.command()
@output_options
@click.pass_obj
def status(settings: Settings, as_json: bool, quiet: bool) -> None:
    """Show what the index holds and what built it."""
    from ingest.store import open_store

    info = open_store(settings).info()
    if info is None:
        raise click.ClickException("No index yet. Build it: docqa ingest")
    data = dataclasses.asdict(info)
    data["files"] = sorted(info.files)
    emit(
        data,
        as_json,
        f"{info.pages} pages, {info.chunks} chunks, model {info.model}, built {info.built_at} "
        f"from {info.source} (build {info.build_id})",
    )


@click.command()
@click.option("--to", "url", required=True, help="Chroma server URL, e.g. http://127.0.0.1:8000.")
@output_options
@click.pass_obj
def migrate(settings: Settings, url: str, as_json: bool, quiet: bool) -> None:
    """Copy the active index to a Chroma server, embeddings included (nothing re-embedded)."""
    from ingest.transfer import migrate as copy_index

    report = copy_index(settings, url)
    done = "copied" if report.copied else "already active"
    emit(report, as_json, f"Build {report.build_id} ({report.chunks} chunks) {done} at {url}")
    if not quiet:
        click.echo(f"Use it: DOCQA_CHROMA_URL={url} docqa ask ...", err=True)
