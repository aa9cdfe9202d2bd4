"""`docqa serve`: run the Streamlit app with the current settings passed as DOCQA_* variables."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from docqa.settings import settings_env

if TYPE_CHECKING:
    from docqa.settings import Settings

SCRIPT = Path(__file__).resolve().parent / "ui" / "main.py"
PRIMARY = "#2563eb"


# Every browser session answers on a thread of its own; glibc gives each thread a heap arena of
# its own by default, so the server's memory would keep growing with the sessions it has seen.
# Two arenas keep it level (the answer path is short and mostly inside numpy and torch).
SERVER_ENV = {"MALLOC_ARENA_MAX": "2"}


def child_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: ours (server defaults under it), then the
    settings on top."""
    return {**SERVER_ENV, **(os.environ if base is None else base), **settings_env(settings)}


def streamlit_command(port: int, script: Path = SCRIPT) -> list[str]:
    """The `streamlit run` command line: local only, headless, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Cosmetic: no "Deploy" button or developer menu, and a calm accent colour.
        "--client.toolbarMode",
        "minimal",
        "--theme.primaryColor",
        PRIMARY,
    ]


def serve(settings: Settings, port: int) -> None:
    """Replace this process with Streamlit, so Ctrl+C and signals reach it directly."""
    os.execve(sys.executable, streamlit_command(port), child_env(settings))
