"""`docqa serve`: run the Streamlit app with the current settings passed as DOCQA_* variables."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app import auth
from docqa.errors import DocqaError
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


def streamlit_command(
    port: int,
    script: Path = SCRIPT,
    host: str = "127.0.0.1",
    secrets: Sequence[Path] = (),
) -> list[str]:
    """The `streamlit run` command line: on `host` (local by default), headless, no usage
    statistics; `secrets`: the secrets files to read, later ones winning."""
    files = [arg for path in secrets for arg in ("--secrets.files", str(path))]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        *files,
        "--server.address",
        host,
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


class SignInRequired(DocqaError):
    """`docqa serve --host` beyond this machine without sign-in configured."""


def sign_in_configured(settings: Settings, port: int) -> tuple[dict[str, str] | None, bool]:
    """The `[auth]` section made from docqa's settings (None if they are incomplete), and
    whether sign-in is on: by those settings or by Streamlit's own secrets file, unless
    DOCQA_SERVING__SIGN_IN says otherwise (true with neither is an error)."""
    section = auth.auth_section(settings.serving, port)
    found = section is not None or auth.configured_in_files(auth.streamlit_secrets_files())
    wanted = settings.serving.sign_in
    if wanted and not found:
        raise SignInRequired(f"Sign-in is switched on but not configured: {auth.HOW_TO_SIGN_IN}.")
    return section, found if wanted is None else wanted


def serve(settings: Settings, port: int, host: str = "127.0.0.1") -> None:
    """Run Streamlit on `host`. Beyond loopback only with sign-in; docqa's own sign-in
    settings reach Streamlit as a secrets file in a private temporary folder, removed when
    the app stops; otherwise this process is replaced by Streamlit."""
    section, sign_in = sign_in_configured(settings, port)
    if not sign_in and not auth.is_loopback(host):
        raise SignInRequired(
            f"docqa serve binds {host}, beyond this machine, only with sign-in: "
            f"{auth.HOW_TO_SIGN_IN}. Without it, serve on 127.0.0.1 (the default)."
        )
    env = child_env(settings.with_overrides(serving={"sign_in": sign_in}))
    if section is None:  # Ctrl+C and signals reach Streamlit directly
        os.execve(sys.executable, streamlit_command(port, host=host), env)
        return  # only where execve is replaced (tests)
    folder = Path(tempfile.mkdtemp(prefix="docqa-serve-"))  # 0700, outside the checkout
    try:
        secrets = [*auth.streamlit_secrets_files(), auth.write_secrets(section, folder)]
        _run_child(streamlit_command(port, host=host, secrets=secrets), env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_child(command: list[str], env: dict[str, str]) -> None:
    """Run Streamlit as a child, passing SIGTERM on, until it stops."""
    child = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        child.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to the child too
        child.wait()
