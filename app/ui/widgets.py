"""Pieces every page shares: settings, the cached engine, error messages, the footer."""

from __future__ import annotations

import logging

import streamlit as st

from app.about import About, describe
from app.engine import Engine
from app.loaded import Loaded
from app.render.markdown import plain
from docqa.errors import DocqaError
from docqa.settings import Settings, SettingsError, load_settings

log = logging.getLogger("docqa.ui")


def settings() -> Settings:
    """Settings from DOCQA_* variables (set by `docqa serve`), or stop with the reason."""
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(f"Invalid settings: {plain(str(exc))}", icon=":material/error:")
        st.stop()


@st.cache_resource(show_spinner=False)
def _engine(key: str, _settings: Settings) -> Engine:
    return Engine(_settings)


def engine(current: Settings) -> Engine:
    """One engine per process and settings; it switches to new index builds by itself."""
    return _engine(current.model_dump_json(), current)


@st.cache_resource(show_spinner=False)
def _warmed(key: str, build_id: str, _engine: Engine) -> bool:
    _engine.retrieve("How is my data encrypted?")  # the model's first call is the slow one
    return True


def warm_up(current: Settings) -> None:
    """Open the index and run the model once per build, so the first question is quick."""
    loaded = engine(current).load()
    _warmed(current.model_dump_json(), loaded.info.build_id, engine(current))


def error_message(exc: BaseException) -> str:
    """What to tell the user: the fix-it message of a user error, a pointer otherwise."""
    if isinstance(exc, DocqaError):
        return plain(str(exc))
    log.exception("unexpected error in the app", exc_info=exc)
    return plain(
        f"Something went wrong ({exc.__class__.__name__}). "
        "The details are in the log of `docqa serve`."
    )


def show_error(exc: BaseException) -> None:
    """An error box with the fix, never a traceback."""
    st.error(error_message(exc), icon=":material/error:")


GENERIC = About("indexed", 0, (), (), "Answers quote the indexed pages.")


def about(current: Settings) -> About:
    """What the index holds, described (the generic description while there is no index)."""
    try:
        loaded = engine(current).load()
    except DocqaError:
        return GENERIC
    return _about(loaded.info.build_id, current.serving.docs_name, loaded)


@st.cache_resource(show_spinner=False)
def _about(build_id: str, name: str | None, _loaded: Loaded) -> About:
    return describe(_loaded, name)


def footer(current: Settings) -> None:
    """Credit the pages and their licence."""
    st.divider()
    st.caption(plain(about(current).credit).replace("\\*", "*"))
