"""The `docqa` command: the one place that wires corpus, ingest, app and eval together.

Each module here holds a family of commands; heavy libraries (torch, chromadb) are imported
inside commands, so `docqa --help` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from docqa.cli.answers import ask, serve
from docqa.cli.bench import bench
from docqa.cli.evaluation import calibrate, eval_command, feedback, tune
from docqa.cli.index import ingest, migrate, status
from docqa.cli.pages import corpus
from docqa.cli.team import api, load_check, mcp, token
from docqa.errors import DocqaError
from docqa.settings import SettingsError, load_settings


class DocqaGroup(click.Group):
    """The command group: a user error from any command is `Error: ...` and exit status 1;
    any other exception is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning a DocqaError into a ClickException."""
        try:
            return super().invoke(ctx)
        except DocqaError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=DocqaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir", type=click.Path(path_type=Path), help="Index folder [DOCQA_INDEX_DIR]."
)
@click.option(
    "--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [DOCQA_CHROMA_URL]."
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A JSON settings file, e.g. what `docqa tune` wrote [DOCQA_SETTINGS_FILE].",
)
@click.pass_context
def cli(
    ctx: click.Context, index_dir: Path | None, chroma_url: str | None, settings_file: Path | None
) -> None:
    """docqa: cited answers from documentation pages, offline (by default the Security in
    Amazon Comprehend pages)."""
    try:
        ctx.obj = load_settings(
            index_dir=index_dir, chroma_url=chroma_url, settings_file=settings_file
        )
    except SettingsError as exc:
        raise click.ClickException(f"Invalid settings: {exc}") from exc


COMMANDS = (corpus, ingest, status, migrate, ask, eval_command, feedback, serve, tune, calibrate)
TEAM = (api, mcp, token, load_check)
for command in (*COMMANDS, bench, *TEAM):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `docqa` command."""
    cli(prog_name="docqa")
