"""The settings object: passed to a child process as DOCQA_* variables and rebuilt there."""

from __future__ import annotations

from pathlib import Path

import pytest

from docqa.settings import Settings, settings_env


def test_settings_survive_the_trip_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DOCQA_CORPUS_SOURCE", raising=False)
    original = Settings(data_dir=tmp_path / "d", embed_model="fake-hash-384", k=7)
    env = settings_env(original)
    assert env["DOCQA_DATA_DIR"] == str((tmp_path / "d").resolve())
    assert "DOCQA_CHROMA_URL" not in env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings() == original


def test_changes_go_over_the_settings(tmp_path: Path) -> None:
    env = settings_env(Settings(data_dir=tmp_path), k=9, index_dir=tmp_path / "other")
    assert env["DOCQA_K"] == "9" and env["DOCQA_INDEX_DIR"] == str(tmp_path / "other")
