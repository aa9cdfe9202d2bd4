"""Sign-in, roles and limits in the browser app: who this session is, and what it may do."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.common import user_key_from_element_id

from app import auth
from app.audit import AuditLog
from app.ratelimit import RateLimiter
from app.render.markdown import escape
from docqa.settings import Settings

SIGNED_IN = "_docqa_signed_in"  # this browser session's sign-in is in the audit log


def actor(settings: Settings) -> auth.Actor:
    """Who uses this session: the local user without sign-in; else the signed-in person,
    or the sign-in page (the script stops there)."""
    if not sign_in_on(settings):
        return auth.LOCAL
    if not st.user.is_logged_in:
        _sign_in_page()
        st.stop()
    who = auth.person(st.user.to_dict(), settings.serving)
    if st.session_state.get(SIGNED_IN) != who.id:
        AuditLog.of(settings).record(who, "sign-in")
        st.session_state[SIGNED_IN] = who.id
    return who


def sign_in_on(settings: Settings) -> bool:
    """Whether people must sign in: as `docqa serve` decided, or (the app started some other
    way) whenever Streamlit's secrets hold an [auth] section, so it never fails open."""
    if settings.serving.sign_in is not None:
        return settings.serving.sign_in
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _sign_in_page() -> None:
    st.title("Ask the docs", anchor=False)
    st.info(
        "Sign in to ask questions about the documentation pages.",
        icon=":material/lock:",
    )
    if st.button("Sign in", icon=":material/login:", type="primary"):
        st.login()


def account(settings: Settings, who: auth.Actor) -> None:
    """The signed-in person, their role and the sign-out button (sidebar)."""
    if who.via == "local":
        return
    st.caption(f"Signed in as **{escape(who.id)}** ({who.role})")  # a claim is shown as text
    if st.button("Sign out", icon=":material/logout:", width="stretch"):
        AuditLog.of(settings).record(who, "sign-out")
        st.logout()


def requested(key: str) -> bool:
    """Whether this run was sent a press of the button keyed `key`, which this session never
    drew: what a maintainer's browser sends, forged by a viewer's. Streamlit drops such a
    press silently; the caller hands it to the guarded action, which refuses and logs it."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    return any(
        state.WhichOneof("value") == "trigger_value"
        and state.trigger_value
        and user_key_from_element_id(state.id) == key
        for state in ctx.session_state.get_widget_states()
    )


def pressed(who: auth.Actor, label: str, key: str, **button: object) -> bool:
    """A maintainer's button: drawn for maintainers only; a forged press by anyone else still
    reaches the action, whose own check refuses it."""
    if who.is_maintainer:
        return bool(st.button(label, key=key, **button))  # type: ignore[arg-type]
    return requested(key)


@st.cache_resource(show_spinner=False)
def _limiter(per_minute: int) -> RateLimiter:
    return RateLimiter(per_minute)


def limiter(settings: Settings) -> RateLimiter:
    """One limit per server process, shared by every session of a user."""
    return _limiter(settings.serving.questions_per_minute)
