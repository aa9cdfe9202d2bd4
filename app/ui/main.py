"""Entry of the Streamlit app (`docqa serve`): navigation, sidebar and footer."""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from app.ui import sidebar, widgets

HERE = Path(__file__).resolve().parent

st.set_page_config(
    page_title="docqa · Security in Amazon Comprehend",
    page_icon=":material/shield_lock:",
    layout="centered",
)
settings = widgets.settings()
page = st.navigation(
    [
        st.Page(HERE / "ask.py", title="Ask", icon=":material/forum:", default=True),
        st.Page(HERE / "evaluation.py", title="Evaluation", icon=":material/monitoring:"),
    ]
)
sidebar.render(settings)
page.run()
widgets.footer()
# Open the index and run the model once the page is drawn, while the user types; a failure
# here is reported, with its fix, when a question is asked.
with contextlib.suppress(Exception):
    widgets.warm_up(sidebar.answer_settings(settings)[0])
