"""The app shows a user error as its fix and lets a bug show as a bug."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.question import EmptyQuestionError
from docqa.settings import Settings

MAIN = Path(__file__).resolve().parents[2] / "app" / "ui" / "main.py"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"


@pytest.fixture
def app_settings(fake_index: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DOCQA_DATA_DIR", str(fake_index.data_dir))
    monkeypatch.setenv("DOCQA_EMBED_MODEL", fake_index.embed_model)
    monkeypatch.setenv("DOCQA_EMBED_BACKEND", fake_index.embed_backend)
    return fake_index


def ask_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> AppTest:
    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("app.engine.Engine.ask", broken)
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    return at.chat_input[0].set_value(QUESTION).run()


def test_a_user_error_shows_its_message(
    app_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ask_with(monkeypatch, EmptyQuestionError("Type a question about the pages"))
    assert not at.exception
    assert "Type a question about the pages" in at.error[0].value


@pytest.mark.parametrize("bug", [ValueError("boom"), FileNotFoundError("boom")])
def test_a_bug_is_not_shown_as_a_user_error(
    app_settings: Settings, monkeypatch: pytest.MonkeyPatch, bug: Exception
) -> None:
    at = ask_with(monkeypatch, bug)
    assert at.exception and "boom" in at.exception[0].message
    assert not any("boom" in e.value for e in at.error)


def test_invalid_settings_stop_the_page_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCQA_K", "many")
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith("Invalid settings: ")
