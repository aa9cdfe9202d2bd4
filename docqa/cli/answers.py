"""`docqa ask` and `docqa serve`: answers in the terminal or in the browser app."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from docqa.cli.options import output_options
from docqa.settings import Settings


@click.command()
@click.argument("question", required=False)
@click.option("--k", type=click.IntRange(1, 50), help="Pages to retrieve [DOCQA_K].")
@click.option(
    "--history",
    "history_file",
    type=click.File("r"),
    help="Earlier questions of the conversation (asked again first): a JSON list, or one per line.",
)
@click.option("--mode", type=click.Choice(["extractive", "llm"]), help="[DOCQA_ANSWER_MODE]")
@click.option(
    "--in",
    "scope",
    metavar="GUIDE",
    help=(
        "Answer from this guide only: a folder of the indexed pages, by path or by name "
        "[DOCQA_SCOPE]."
    ),
)
@output_options
@click.pass_obj
def ask(
    settings: Settings,
    question: str | None,
    k: int | None,
    history_file: Any,
    mode: str | None,
    scope: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Answer QUESTION (or stdin) from the pages, with numbered sources."""
    from app.engine import Engine
    from app.render.plain import answer_text, source_lines

    if question is None:
        question = "" if sys.stdin.isatty() else sys.stdin.read()
    history = _read_history(history_file.read()) if history_file else []
    settings = settings.with_overrides(k=k, answer_mode=mode, scope=scope)
    engine = Engine(settings)
    earlier: list[Any] = []
    for turn in history:  # as in the chat: each earlier question sees the ones before
        earlier.append(engine.ask(turn, earlier))
    answer = engine.ask(question, earlier)
    for warning in answer.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(answer_text(answer))
    if answer.reasons:
        click.echo(f"Why: {'; '.join(answer.reasons)}.")
    sources = answer.related if answer.refused else answer.citations
    if sources:
        click.echo("\nRelated pages:" if answer.refused else "\nSources:")
    for line in source_lines(sources):
        click.echo(line)


def _read_history(text: str) -> list[str]:
    """A history file: a JSON list of questions (or of {"question": ...}), or plain lines."""
    try:
        data = json.loads(text)
    except ValueError:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if not isinstance(data, list):
        raise click.ClickException("The history file must hold a JSON list of questions.")
    return [str(item.get("question", "")) if isinstance(item, dict) else str(item) for item in data]


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; beyond loopback only with sign-in configured (README: Serving a team).",
)
@click.pass_obj
def serve(settings: Settings, port: int, host: str) -> None:
    """Open the browser app on http://HOST:PORT (Streamlit; settings pass through)."""
    from app.serve import serve as run_streamlit

    run_streamlit(settings, port, host)
