"""The Evaluation page: the latest results folder, read as files, and a button for a new run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import evalrun
from app.auth import Actor
from app.render.markdown import escape, plain
from app.ui import access, widgets
from docqa.errors import DocqaError
from docqa.settings import Settings
from eval import results

SHOWN_RUN = "eval_run"
RUN_KEY = "run-evaluation"
ALL = "All"


def _run_new(settings: Settings, actor: Actor) -> None:
    with st.status("Running the evaluation…", expanded=True) as box:
        bar = st.progress(0.0, text="Starting `docqa eval`")

        def progress(step: evalrun.EvalProgress) -> None:
            label = f"{escape(step.stage)}: {step.done} of {step.total}" if step.total else ""
            bar.progress(step.fraction or 0.0, text=f"{label} · {step.seconds:.0f} s")

        try:
            outcome = evalrun.run_eval(settings, progress, actor=actor)
        except DocqaError as exc:
            box.update(label="The evaluation could not start", state="error")
            widgets.show_error(exc)
            return
        if outcome.run is not None:
            st.session_state[SHOWN_RUN] = str(outcome.run)
        if outcome.ok:
            label = f"Evaluation finished in {outcome.seconds:.0f} s"
            box.update(label=label, state="complete", expanded=False)
        elif outcome.run is not None:
            box.update(label="Evaluation finished; some thresholds were missed", state="error")
            st.warning(plain(outcome.error_line or "Thresholds not met."))
        else:
            box.update(label="The evaluation failed", state="error", expanded=True)
            st.error(
                plain(f"`docqa eval` exited with status {outcome.returncode}. {outcome.error_line}")
            )
            st.code(outcome.log_tail or "(no output)", language="text")


def _pick_run(settings: Settings) -> Path | None:
    runs = results.list_runs(settings.eval_path)
    latest = results.latest_run(settings.eval_path)
    if latest is None:
        return None
    wanted = Path(st.session_state.get(SHOWN_RUN, latest))
    options = list(dict.fromkeys([latest, *runs]))
    index = options.index(wanted) if wanted in options else 0
    return st.selectbox(
        "Run",
        options,
        index=index,
        format_func=lambda p: f"{p.name} (latest)" if p == latest else p.name,
    )


def _systems(run: results.EvalRun) -> None:
    head, choice = st.columns([3, 1], vertical_alignment="bottom")
    head.subheader("Systems side by side", anchor=False)
    splits = results.splits_of(run.summary)
    split = choice.selectbox("Questions", splits, key="eval-split") if len(splits) > 1 else "all"
    facts = results.run_facts(run.summary)
    if facts:
        st.caption(" · ".join(f"{escape(k)}: {escape(str(v))}" for k, v in facts.items()))
    failures = run.summary.get("threshold_failures") or []
    if isinstance(failures, list) and failures:
        lines = "\n".join(f"- {plain(str(f))}" for f in failures)
        st.warning(f"**Thresholds missed**\n\n{lines}", icon=":material/warning:")
    table = results.side_by_side(results.system_metrics(run.summary, split))
    if table:
        st.dataframe(table, hide_index=True, height="content")
    else:
        st.caption(f"{results.SUMMARY} holds no per-system metrics.")


def _charts(run: results.EvalRun) -> None:
    if not run.charts:
        return
    st.subheader("Charts", anchor=False)
    columns = st.columns(2) if len(run.charts) > 1 else [st.container()]
    for n, chart in enumerate(run.charts):
        caption = chart.stem.replace("_", " ").replace("-", " ")
        columns[n % len(columns)].image(str(chart), caption=escape(caption), width="stretch")


def _questions(run: results.EvalRun) -> None:
    st.subheader("Per question", anchor=False)
    rows = run.results
    if not rows:
        st.caption(f"This run has no {results.RESULTS}.")
        return
    st.caption(
        "Outcomes per system: *missed page* (no expected page retrieved), *missing fact* "
        "(an expected fact absent from the answer), *wrong refusal* (refused an answerable "
        "question, or answered one the pages do not cover)."
    )
    st.dataframe(results.outcome_counts(rows), hide_index=True)
    page_col, outcome_col, system_col = st.columns(3)
    page = page_col.selectbox("Page", [ALL, *results.pages_of(rows)])
    outcome = outcome_col.selectbox("Outcome", [ALL, *results.OUTCOMES])
    systems = list(dict.fromkeys(r.system for r in rows))
    system = system_col.selectbox("System", [ALL, *systems])
    chosen = results.filter_rows(
        rows,
        page=None if page == ALL else page,
        outcome=None if outcome == ALL else outcome,
        system=None if system == ALL else system,
    )
    st.caption(f"{len(chosen)} of {len(rows)} results")
    st.dataframe(
        results.result_table(chosen),
        hide_index=True,
        column_config={"question": st.column_config.TextColumn(width="large")},
    )


def main() -> None:
    """Lay out the page."""
    st.set_page_config(layout="wide")
    settings = widgets.settings()
    actor = access.actor(settings)
    title, action = st.columns([4, 1], vertical_alignment="bottom")
    title.title("Evaluation", anchor=False)
    with action:
        clicked = access.pressed(
            actor, "Run evaluation", RUN_KEY, icon=":material/play_arrow:", type="primary"
        )
    if clicked:
        _run_new(settings, actor)
    folder = _pick_run(settings)
    if folder is None:
        st.info(
            "No evaluation run yet. Create one with **Run evaluation** above, or from a "
            "terminal: `docqa eval` (or `make eval`). Each run writes a folder under "
            f"{escape(str(settings.eval_path))}.",
            icon=":material/info:",
        )
        return
    run = results.load_run(folder)
    for problem in run.problems:
        st.warning(plain(problem))
    _systems(run)
    _charts(run)
    _questions(run)
    if run.report is not None:
        st.download_button(
            f"Download {results.REPORT}",
            run.report.read_bytes(),
            file_name=f"{run.name}-{results.REPORT}",
        )


main()
