"""The Ask page: a chat whose answers quote the pages and link every claim to its section."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st

from app import feedback
from app.audit import AuditLog
from app.auth import Actor
from app.conversation import Turn, history, shown_question
from app.engine import Engine
from app.models import Answer
from app.ratelimit import RateLimited
from app.render import markdown as render
from app.render.plain import answer_text
from app.spelling import NOTE as spelling_note
from app.ui import access, sidebar, widgets
from docqa.errors import DocqaError
from docqa.settings import Settings

TURNS, PENDING = "turns", "pending_question"
STREAM_SECONDS = 0.8  # the typing effect lasts about this long, whatever the length


def _ask_example(question: str) -> None:
    st.session_state[PENDING] = question


def _new_conversation() -> None:
    st.session_state[TURNS] = []


def _save_feedback(turn: Turn, settings: Settings) -> None:
    rating = feedback.rating_from_thumbs(st.session_state.get(f"fb-{turn.id}"))
    if rating is None or turn.answer is None:
        return
    reason = str(st.session_state.get(f"why-{turn.id}") or "")
    turns: list[Turn] = st.session_state.get(TURNS, [])
    before = turns[: next((i for i, t in enumerate(turns) if t.id == turn.id), 0)]
    earlier = [a.question for a in history(before)]
    answer = turn.answer
    who = access.actor(settings)
    record = feedback.make_feedback(
        turn.id, answer.question, answer_text(answer), answer.cited_pages, rating, reason, earlier,
        "" if who.via == "local" else who.id,
    )  # fmt: skip
    feedback.save_feedback(feedback.feedback_path(settings), record)


def _feedback(turn: Turn, settings: Settings) -> None:
    st.feedback("thumbs", key=f"fb-{turn.id}", on_change=_save_feedback, args=(turn, settings))
    if st.session_state.get(f"fb-{turn.id}") is not None:
        st.text_input(
            "What was good or missing? (optional)",
            key=f"why-{turn.id}",
            on_change=_save_feedback,
            args=(turn, settings),
            max_chars=feedback.MAX_REASON,
            placeholder="Press Enter to send",
        )
        st.caption("Thanks: your rating is saved.")


def _sources(answer: Answer) -> None:
    st.markdown("**Sources**")
    for citation in answer.citations:
        st.markdown(render.source_line(citation))
        with st.expander(render.passage_label(citation), icon=":material/format_quote:"):
            st.markdown(render.passage_markdown(citation))


def _refusal(answer: Answer) -> None:
    why = f" Why: {render.plain('; '.join(answer.reasons))}." if answer.reasons else ""
    st.info(
        f"**Not in the documentation.** {render.plain(answer_text(answer))}{why} "
        "Try rephrasing, or ask about what the pages cover.",
        icon=":material/search_off:",
    )
    if answer.related:
        lines = [f"- {render.link(c.title, c.url)}" for c in answer.related]
        st.markdown("Closest pages:\n\n" + "\n".join(lines))


def _answer(turn: Turn, settings: Settings, stream: bool) -> None:
    answer = turn.answer
    if answer is None:
        st.error(turn.error or "No answer.", icon=":material/error:")
        return
    for warning in answer.warnings:
        spelling = warning.startswith(spelling_note)
        icon = ":material/spellcheck:" if spelling else ":material/content_cut:"
        st.warning(render.plain(warning), icon=icon)
    if answer.refused:
        _refusal(answer)
    else:
        text = render.lead_markdown(answer)
        if stream:
            st.write_stream(render.words(text, STREAM_SECONDS))
        else:
            st.markdown(text)
        if support := render.support_markdown(answer):
            with st.expander("More from the pages", icon=":material/unfold_more:"):
                st.markdown(support)
        _sources(answer)
        total = answer.timings_ms.get("total")
        if total is not None:
            st.caption(f"{len(answer.citations)} sources · answered in {total:.0f} ms")
    _feedback(turn, settings)


def _question(turn: Turn, settings: Settings) -> None:
    with st.chat_message("user"):
        st.markdown(render.plain(shown_question(turn.question, settings.max_question_chars)))


def _llm_reply(engine: Engine, question: str, earlier: list[Answer], k: int, scope: str) -> Answer:
    """Stream the model's words as plain text, then hand back the checked Answer."""
    done: list[Answer] = []

    def pieces() -> Iterator[str]:
        for item in engine.stream(question, earlier, k, scope):
            if isinstance(item, Answer):
                done.append(item)
            else:
                yield render.escape(item)

    draft = st.empty()
    try:
        with draft.container():
            st.write_stream(pieces())
    finally:
        draft.empty()
    return done[-1]


def _limit(settings: Settings, actor: Actor, question: str) -> None:
    """Count the question against the user's limit (RateLimited when over it), and log its
    text only when the settings ask for it."""
    audit = AuditLog.of(settings)
    if actor.via != "local":  # one person on their own machine has no one to share with
        try:
            access.limiter(settings).take(actor.id)
        except RateLimited:
            audit.record(actor, "rate-limited")
            raise
    audit.question(actor, question)


def _ask(question: str, settings: Settings, k: int, turns: list[Turn]) -> Turn:
    """Ask the engine and show the answer; a user error becomes a message (a bug does not)."""
    _question(Turn(question), settings)
    llm = settings.answer_mode == "llm"
    with st.chat_message("assistant"):
        try:
            _limit(settings, access.actor(settings), question)
            engine = widgets.engine(settings)
            scope = sidebar.search_scope(settings)
            if llm:
                answer = _llm_reply(engine, question, history(turns), k, scope)
            else:
                with st.spinner("Searching the pages…"):
                    answer = engine.ask(question, history=history(turns), k=k, scope=scope)
        except DocqaError as exc:
            turn = Turn(question, error=widgets.error_message(exc))
        else:
            turn = Turn(question, answer=answer)
        _answer(turn, settings, stream=not llm)
    return turn


def _examples(examples: tuple[str, ...]) -> None:
    if not examples:
        return
    st.markdown("**Try one of these:**")
    for n, question in enumerate(examples):
        st.button(question, key=f"example-{n}", on_click=_ask_example, args=(question,))


def main() -> None:
    """Lay out the page."""
    settings, k = sidebar.answer_settings(widgets.settings())
    turns: list[Turn] = st.session_state.setdefault(TURNS, [])
    title, action = st.columns([5, 2], vertical_alignment="bottom")
    title.title("Ask the docs", anchor=False)
    pages = widgets.about(settings)
    st.caption(
        f"Answers lead with what the {pages.pages or ''} *{render.escape(pages.name)}* pages "
        "say, link each quote to its section, and name what the pages lack; questions they "
        'do not cover get a plain "not in the documentation".'
    )
    prompt = st.chat_input(f"Ask about the {pages.name} pages")
    question = prompt if isinstance(prompt, str) else st.session_state.pop(PENDING, None)
    for turn in turns:
        _question(turn, settings)
        with st.chat_message("assistant"):
            _answer(turn, settings, stream=False)
    if question is not None:
        turns.append(_ask(question, settings, k, turns))
    if turns:
        action.button(
            "New conversation",
            icon=":material/add_comment:",
            on_click=_new_conversation,
            width="stretch",
        )
    else:
        _examples(pages.examples)


main()
