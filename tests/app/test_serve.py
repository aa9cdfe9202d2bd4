"""`docqa serve`: the Streamlit command line and settings passed as DOCQA_* variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.serve import SCRIPT, child_env, settings_env, streamlit_command
from docqa.cli import cli
from docqa.settings import Settings
from tests.support.embedders import FAKE, FAKE_MODEL


def test_settings_survive_the_trip_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DOCQA_CORPUS_SOURCE", raising=False)
    original = Settings(data_dir=tmp_path / "d", embed_model=FAKE_MODEL, embed_backend=FAKE, k=7)
    env = settings_env(original)
    assert env["DOCQA_DATA_DIR"] == str((tmp_path / "d").resolve())
    assert "DOCQA_CHROMA_URL" not in env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings() == original


def test_relative_paths_are_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    env = child_env(Settings(data_dir=Path("data")), base={"PATH": "/bin"})
    assert env["DOCQA_DATA_DIR"] == str(tmp_path.resolve() / "data") and env["PATH"] == "/bin"


def test_streamlit_command_is_local_headless_and_private() -> None:
    command = streamlit_command(8600)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(SCRIPT)]
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert SCRIPT.is_file()


def test_docqa_serve_runs_streamlit_with_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def fake_execve(path: str, args: list[str], env: dict[str, str]) -> Any:
        calls.append((path, args, env))

    monkeypatch.setattr(os, "execve", fake_execve)
    env = {"DOCQA_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(cli, ["serve", "--port", "8765"], env=env)
    assert result.exit_code == 0, result.output
    ((path, args, child),) = calls
    assert path == sys.executable and args[args.index("--server.port") + 1] == "8765"
    assert child["DOCQA_DATA_DIR"] == str(tmp_path / "data")
    assert CliRunner().invoke(cli, ["serve", "--port", "0"]).exit_code == 2


def test_the_server_keeps_its_heap_arenas_few_unless_told_otherwise(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.serve import child_env
    from docqa.settings import Settings

    settings = Settings(data_dir=tmp_path)
    assert child_env(settings, base={})["MALLOC_ARENA_MAX"] == "2"
    assert child_env(settings, base={"MALLOC_ARENA_MAX": "8"})["MALLOC_ARENA_MAX"] == "8"
