"""The sidebar: index status, answer settings and the rebuild button."""

from __future__ import annotations

import streamlit as st

from app import indexing
from app.auth import Actor
from app.render.markdown import escape, plain
from app.ui import access, widgets
from docqa.errors import DocqaError
from docqa.settings import Settings
from ingest.store import IndexInfo, open_store

K_KEY, MODE_KEY, SCOPE_KEY = "k", "answer_mode", "scope"
REBUILD_KEY = "rebuild"
ALL_GUIDES = "All guides"


def answer_settings(settings: Settings) -> tuple[Settings, int]:
    """The settings and number of passages chosen in the sidebar."""
    mode = st.session_state.get(MODE_KEY, settings.answer_mode)
    k = int(st.session_state.get(K_KEY, settings.k))
    return settings.with_overrides(answer_mode=mode if settings.llm_model else "extractive"), k


def search_scope(settings: Settings) -> str:
    """The guide chosen under "Search in" ("" for every page)."""
    chosen = st.session_state.get(SCOPE_KEY, settings.scope or ALL_GUIDES)
    return "" if chosen == ALL_GUIDES else str(chosen)


def _scope(settings: Settings) -> None:
    """ "Search in": shown when the index holds several guides."""
    try:
        there = widgets.engine(answer_settings(settings)[0]).load().retriever.guides()
    except DocqaError:
        return  # the status box says what is wrong with the index
    if len(there) < 2:
        return
    options = [ALL_GUIDES, *there]
    start = options.index(settings.scope) if settings.scope in there else 0
    st.selectbox(
        "Search in", options, index=start, key=SCOPE_KEY, help="Answer from one guide only."
    )


def _status(settings: Settings) -> IndexInfo | None:
    try:
        info = open_store(settings).info()
    except DocqaError as exc:
        widgets.show_error(exc)
        return None
    if info is None:
        st.warning("No index yet. Press **Rebuild index** or run `docqa ingest`.")
        return None
    st.markdown(f"**{info.pages}** pages · **{info.chunks}** chunks")
    for label, value in indexing.describe(info)[2:]:
        hint = escape(info.source) if label == "Corpus" else None
        st.caption(f"{label}: {escape(value)}", help=hint)
    if info.model != settings.embedding_id:
        st.warning(
            f"Built with {escape(info.model)}, but docqa is set to use "
            f"{escape(settings.embedding_id)}: tick **Re-embed every page** and rebuild.",
            icon=":material/warning:",
        )
    return info


def _options(settings: Settings) -> None:
    if settings.llm_model:
        llm = f"LLM ({settings.llm_model})"
        st.radio(
            "Answer mode",
            ["extractive", "llm"],
            format_func=lambda m: "Extractive" if m == "extractive" else llm,
            key=MODE_KEY,
            index=0 if settings.answer_mode == "extractive" else 1,
        )
    else:
        st.caption("Answer mode: extractive (set `DOCQA_LLM_MODEL` to offer LLM answers).")
    st.slider(
        "Passages to read (k)",
        1,
        20,
        value=settings.k,
        key=K_KEY,
        help="How many pages are retrieved for each question.",
    )


def _rebuild(settings: Settings, actor: Actor) -> None:
    scratch = actor.is_maintainer and st.checkbox(
        "Re-embed every page", help="Rebuild from scratch instead of updating."
    )
    if not access.pressed(
        actor, "Rebuild index", REBUILD_KEY, icon=":material/refresh:", width="stretch"
    ):
        return
    info = _peek(settings)
    current, _ = answer_settings(settings)
    engine = widgets.engine(current)
    with st.status("Updating the index…", expanded=True) as box:
        bar = st.progress(0.0, text="Reading the pages")

        def progress(stage: str, done: int, total: int) -> None:
            fraction, label = indexing.progress_step(stage, done, total)
            bar.progress(fraction, text=label)

        try:
            report = indexing.rebuild(
                settings, lambda: engine.embedder, info, progress, scratch, actor=actor
            )
            engine.load()
        except DocqaError as exc:
            box.update(label="Rebuild failed", state="error", expanded=True)
            widgets.show_error(exc)
            return
        bar.progress(1.0, text="Done")
        for warning in report.warnings:
            st.caption(plain(warning))
        box.update(label=plain(indexing.report_summary(report)), state="complete", expanded=False)


def render(settings: Settings, actor: Actor) -> None:
    """Lay out the sidebar; the status is filled last so it shows a fresh rebuild."""
    with st.sidebar:
        access.account(settings, actor)
        st.subheader("Index")
        status_box = st.container()
        _rebuild(settings, actor)
        st.subheader("Answers")
        _scope(settings)
        _options(settings)
        with status_box:
            _status(settings)


def _peek(settings: Settings) -> IndexInfo | None:
    try:
        return open_store(settings).info()
    except DocqaError:
        return None
