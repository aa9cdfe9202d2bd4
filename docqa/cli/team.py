"""`docqa api`, `docqa mcp`, `docqa token` and `docqa load-check`: serving a team."""

from __future__ import annotations

from pathlib import Path

import click

from docqa.cli.options import Decorator, output_options
from docqa.cli.output import emit
from docqa.errors import DocqaError
from docqa.settings import Settings

HOW_TO_TOKEN = (
    "set DOCQA_SERVING__API_TOKENS (a JSON list; `docqa token` makes one and prints the hash "
    "to keep in settings instead of the token)"
)


def host_option(default: str = "127.0.0.1") -> Decorator:
    """--host: loopback unless bearer tokens are set."""
    return click.option(
        "--host",
        default=default,
        show_default=True,
        help="Address to bind; beyond loopback only with API tokens set.",
    )


def _check_host(settings: Settings, host: str, what: str) -> None:
    from app.auth import is_loopback

    if not is_loopback(host) and not settings.serving.api_tokens:
        raise DocqaError(
            f"{what} binds {host}, beyond this machine, only with bearer tokens: {HOW_TO_TOKEN}."
        )


@click.command()
@host_option()
@click.option("--port", type=click.IntRange(1, 65535), default=8800, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.pass_obj
def api(settings: Settings, host: str, port: int) -> None:
    """Serve the HTTP API (ask, search, status; OpenAPI page at /docs) with uvicorn."""
    import uvicorn

    from app.api import create_app

    _check_host(settings, host, "docqa api")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


@click.command()
@click.option("--http", "over_http", is_flag=True, help="Streamable HTTP instead of stdio.")
@host_option()
@click.option("--port", type=click.IntRange(1, 65535), default=8801, show_default=True,
              help="Port to listen on with --http.")  # fmt: skip
@click.pass_obj
def mcp(settings: Settings, over_http: bool, host: str, port: int) -> None:
    """Serve the MCP tools ask_docs and search_docs to coding assistants (stdio, or --http)."""
    if not over_http:
        from app.mcp_server import build_server

        build_server(settings).run("stdio")
        return
    import uvicorn

    from app.mcp_server import http_app

    _check_host(settings, host, "docqa mcp --http")
    uvicorn.run(http_app(settings, host), host=host, port=port, access_log=False)


@click.command()
@output_options
def token(as_json: bool, quiet: bool) -> None:
    """Make a new API token; print it once, with the hash to keep in settings instead."""
    from app.auth import hash_token, new_token

    made = new_token()
    data = {"token": made, "hash": hash_token(made)}
    emit(data, as_json, f"token: {made}\nhash:  {data['hash']}")
    if not quiet and not as_json:
        click.echo(
            "Give the token to its user; add the hash to DOCQA_SERVING__API_TOKENS "
            f"(e.g. '[\"{data['hash']}\"]'). The token is not shown again.",
            err=True,
        )


@click.command("load-check")
@click.option("--clients", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Concurrent API clients.")  # fmt: skip
@click.option("--seconds", type=click.FloatRange(1), default=60.0, show_default=True,
              help="How long each side runs.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for load.json [default: data/bench/load-<timestamp>].")  # fmt: skip
@output_options
@click.pass_obj
def load_check(
    settings: Settings, clients: int, seconds: float, out: Path | None, as_json: bool, quiet: bool
) -> None:
    """Benchmark: CLIENTS concurrent clients of a real `docqa api` for SECONDS, beside the
    same questions asked in-process; p50/p95 latency and errors."""
    from eval.bench.load import run_load_check

    report = run_load_check(settings, clients, seconds, out, quiet)
    emit(report, as_json, report["summary"])
