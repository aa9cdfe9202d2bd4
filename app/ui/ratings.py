"""The Feedback page (maintainers): every user's ratings, and an export to review."""

from __future__ import annotations

import streamlit as st

from app import feedback
from app.render.markdown import plain
from app.ui import access, widgets
from docqa.errors import DocqaError

EXPORT_KEY = "export-feedback"


def main() -> None:
    """Lay out the page."""
    settings = widgets.settings()
    actor = access.actor(settings)
    st.title("Feedback", anchor=False)
    try:
        records = feedback.readable(actor, settings)
    except DocqaError as exc:
        widgets.show_error(exc)
        return
    st.caption(f"{len(records)} rated answers, latest rating per answer.")
    if records:
        rows = [
            {
                "when": r.timestamp,
                "who": r.user or "(local)",
                "rating": r.rating,
                "question": plain(r.question),
                "reason": plain(r.reason),
                "cited pages": ", ".join(r.cited_pages),
            }
            for r in reversed(records)
        ]
        st.dataframe(rows, hide_index=True)
    if not access.pressed(actor, "Export feedback", EXPORT_KEY, icon=":material/download:"):
        return
    try:
        data = feedback.export(actor, settings)
    except DocqaError as exc:
        widgets.show_error(exc)
        return
    st.download_button("Download feedback.jsonl", data, file_name="feedback.jsonl")


main()
