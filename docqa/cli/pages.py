"""`docqa corpus fetch`: obtain the documentation pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from docqa.cli.options import folder_option, output_options
from docqa.cli.output import emit
from docqa.settings import Settings


@click.group()
def corpus() -> None:
    """Obtain the documentation pages."""


@corpus.command("fetch")
@folder_option(
    "--from", "source", help="Copy from this folder instead of downloading [DOCQA_CORPUS_SOURCE]."
)
@click.option("--dest", type=click.Path(path_type=Path), help="Where to put the pages.")
@click.option(
    "--neighbours",
    "want_neighbours",
    is_flag=True,
    help="Also get the five neighbouring guides (downloaded unless --neighbours-from).",
)
@folder_option(
    "--neighbours-from",
    "neighbours_source",
    help="Copy the neighbouring guides from this folder [DOCQA_NEIGHBOURS_SOURCE].",
)
@output_options
@click.pass_obj
def corpus_fetch(
    settings: Settings,
    source: Path | None,
    dest: Path | None,
    want_neighbours: bool,
    neighbours_source: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Get the 16 pinned pages (download, or copy with --from), checking checksums; with
    --neighbours (or a neighbours source), the neighbouring guides too."""
    from corpus.fetch import fetch
    from corpus.guides import fetch_neighbours
    from corpus.manifest import load_manifest

    target = dest or settings.corpus_path
    say = None if quiet else (lambda page: click.echo(f"  got {page}", err=True))
    neighbours_from = neighbours_source or settings.neighbours_source
    report = fetch(load_manifest(), target, source or settings.corpus_source, progress=say)
    guides = None
    if want_neighbours or neighbours_from is not None:
        guides = fetch_neighbours(settings.neighbours_home, neighbours_from, progress=say)
    text = f"{len(report.fetched)} fetched, {len(report.unchanged)} already present in {target}"
    if guides is not None:
        text += (
            f"; neighbouring guides: {len(guides.fetched)} fetched, {len(guides.unchanged)} "
            f"already present in {guides.dest}"
        )
    data = {**dataclasses.asdict(report), "neighbours": guides and dataclasses.asdict(guides)}
    emit(data, as_json, text)
