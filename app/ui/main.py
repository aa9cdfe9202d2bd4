"""Entry of the Streamlit app (`docqa serve`): navigation, sidebar and footer."""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from app.ui import access, sidebar, widgets

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="docqa", page_icon=":material/shield_lock:", layout="centered")
settings = widgets.settings()
actor = access.actor(settings)  # the sign-in page, when sign-in is on and nobody is signed in
pages = [
    st.Page(HERE / "ask.py", title="Ask", icon=":material/forum:", default=True),
    st.Page(HERE / "evaluation.py", title="Evaluation", icon=":material/monitoring:"),
]
if actor.is_maintainer:
    pages.append(st.Page(HERE / "ratings.py", title="Feedback", icon=":material/reviews:"))
page = st.navigation(pages)
sidebar.render(settings, actor)
page.run()
widgets.footer(settings)
# Open the index and run the model once the page is drawn, while the user types; a failure
# here is reported, with its fix, when a question is asked.
with contextlib.suppress(Exception):
    widgets.warm_up(sidebar.answer_settings(settings)[0])
