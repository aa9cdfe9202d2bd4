"""The Markdown report of a run: systems side by side, breakdowns, failures, charts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eval.score import LATENCY, METRICS, Record, question_sets
from eval.thresholds import gate_set

LABELS = {
    "n": "questions",
    "n_answerable": "answerable questions",
    "lead_fact_coverage": "lead facts (first 300 characters)",
    "answer_chars_p50": "answer length, median (characters)",
    "answer_chars_p90": "answer length, p90 (characters)",
    "partial_rate": "answerable marked partial",
    "unanswerable_handled": "unanswerable refused or marked partial",
    "follow_up_lead_fact_coverage": "follow-ups: lead facts",
    "fact_coverage": "fact coverage",
    "grounded_fact_coverage": "grounded fact coverage",
    "refusal_recall_near_miss": "refusal recall, near misses",
    "refusal_recall_off_topic": "refusal recall, off-topic",
    "follow_up_hit@1": "follow-ups: hit@1",
    "follow_up_fact_coverage": "follow-ups: fact coverage",
    "follow_up_grounded_fact_coverage": "follow-ups: grounded fact coverage",
    "follow_up_false_refusal_rate": "follow-ups: false-refusal rate",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "refusal_precision": "refusal precision",
    "refusal_recall": "refusal recall",
    "false_refusal_rate": "false-refusal rate",
    "latency_p50_ms": "latency p50 (total)",
    "latency_p95_ms": "latency p95 (total)",
}
MAX_QUESTION = 90
PASSED = "Share passed: answerable questions with the expected page first, unanswerable refused."
# A tuning-file figure this far from the test-file figure is a defect to explain.
MAX_GAP = 0.05


def fmt(value: float | None, metric: str = "") -> str:
    """A metric for a table: 3 decimals, milliseconds for latency, a dash when undefined."""
    if value is None:
        return "–"
    if metric in LATENCY:
        return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"
    if metric.startswith("answer_chars"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def markdown_cell(text: str, limit: int = MAX_QUESTION) -> str:
    """Text safe inside a Markdown table cell, shortened to `limit` characters."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def systems_table(systems: Mapping[str, Any], split: str = "all") -> str:
    """A Markdown table of one split: one row per metric, one column per system."""
    names = [name for name in systems if split in systems[name]]
    if not names:
        return ""
    first = systems[names[0]][split]
    header = ["metric", *names]
    rows = [["questions (answerable)", *(_count(systems[n][split]) for n in names)]]
    rows += [[LABELS.get(m, m), *(fmt(systems[n][split][m], m) for n in names)] for m in METRICS]
    return f"{split}: {first['n']} questions\n\n" + table(header, rows)


def sets_table(entry: Mapping[str, Any], sets: Sequence[str]) -> str:
    """One system's metrics on each question set, with the gap between the first two sets
    marked when it exceeds MAX_GAP (latency excluded)."""
    present = [s for s in sets if s in entry]
    if not present:
        return ""
    header = ["metric", *present] + (["gap"] if len(present) == 2 else [])
    rows = [["questions (answerable)", *(_count(entry[s]) for s in present)]]
    for m in METRICS:
        values = [entry[s].get(m) for s in present]
        row = [LABELS.get(m, m), *(fmt(v, m) for v in values)]
        if len(present) == 2:
            row.append(_gap(values[0], values[1], m))
        rows.append(row)
    return table(header, rows)


def console_tables(systems: Mapping[str, Any], sets: Sequence[str]) -> str:
    """What `docqa eval` prints: the systems side by side on each set, then docqa's sets."""
    parts = [systems_table(systems, name) for name in sets]
    if len(sets) > 1 and "docqa" in systems:
        parts.append("docqa on each question set\n\n" + sets_table(systems["docqa"], sets))
    return "\n\n".join(p for p in parts if p)


def _gap(a: float | None, b: float | None, metric: str) -> str:
    if a is None or b is None or metric in LATENCY:
        return ""
    if metric.startswith("answer_chars"):  # characters, not a share: a difference, unmarked
        return f"{a - b:+.0f}"
    gap = round(a - b, 3)
    return f"{gap:+.3f}" + (" **>0.05**" if abs(gap) > MAX_GAP else "")


def _count(metrics: Mapping[str, Any]) -> str:
    return f"{metrics['n']} ({metrics['n_answerable']})"


def breakdown_table(systems: Mapping[str, Any], key: str, field: str, label: str) -> str:
    """Rows of a per-kind or per-page breakdown, one column per system."""
    names = list(systems)
    groups = sorted({g for n in names for g in systems[n][key]})
    rows = []
    for group in groups:
        entries = [systems[n][key].get(group, {}) for n in names]
        count = str(next((e["n"] for e in entries if e), 0))
        rows.append([group, count, *(fmt(e.get(field)) for e in entries)])
    return table([label, "n", *names], rows)


def _misses(records: Sequence[Record], keep: Callable[[Record], bool], detail: bool) -> str:
    chosen = [r for r in records if keep(r)]
    if not chosen:
        return "None.\n"
    if not detail:
        return ", ".join(f"{r.id} ({r.kind})" for r in chosen) + "\n"
    rows = [
        [
            r.id,
            r.kind,
            markdown_cell(r.question),
            ", ".join(r.expected_pages) or "–",
            ", ".join(r.retrieved_pages[:3]) or "–",
            markdown_cell(", ".join(r.facts_missing), 60) or "–",
        ]
        for r in chosen
    ]
    header = ["id", "kind", "question", "expected", "retrieved (top 3)", "facts missing"]
    return table(header, rows) + "\n"


FAILURES: tuple[tuple[str, Callable[[Record], bool]], ...] = (
    ("Expected page not ranked first", lambda r: r.answerable and not r.scores.get("hit@1")),
    ("Refused an answerable question", lambda r: r.answerable and r.refused),
    ("Answered an unanswerable question", lambda r: not r.answerable and not r.refused),
    (
        "Answered, but facts missing",
        lambda r: r.answerable and not r.refused and len(r.facts_found) < len(r.expected_facts),
    ),
)


def failures_section(records: Sequence[Record], systems: Sequence[str]) -> str:
    """Failure lists: in full for docqa, retrieval misses only for the baselines."""
    parts = []
    for name in systems:
        mine = [r for r in records if r.system == name]
        if name == "docqa":
            for title, keep in FAILURES:
                count = sum(keep(r) for r in mine)
                parts.append(f"### docqa: {title} ({count})\n\n{_misses(mine, keep, True)}")
        else:
            title, keep = FAILURES[0]
            count = sum(keep(r) for r in mine)
            parts.append(f"### {name}: {title} ({count})\n\n{_misses(mine, keep, False)}")
    return "\n".join(parts)


def header_lines(config: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str]:
    """What was run, from config.json and summary.json."""
    index, corpus = config["index"], config["corpus"]
    failures = summary["threshold_failures"]
    verdict = "all met" if not failures else "FAILED: " + "; ".join(failures)
    files = ", ".join(
        f"{q['set']}: `{q['file']}` (sha256 `{q['sha256'][:12]}`)" for q in config["questions"]
    )
    return [
        f"- questions: {summary['questions']} run from {files}",
        f"- corpus: {', '.join(f'`{s}`' for s in corpus['sources'])} "
        f"(checksum `{corpus['checksum'][:12]}`)",
        f"- index: build `{index['build_id']}`, {index['pages']} pages, {index['chunks']} "
        f"chunks, model `{config['model']}`",
        f"- code: `{config['git_commit'] or 'unknown'}`; run took {config['seconds']} s",
        f"- thresholds (`{config['thresholds'] or 'none'}`, checked on "
        f"`{gate_set(summary['systems'])}`): {verdict}",
    ]


def render_report(
    config: Mapping[str, Any],
    summary: Mapping[str, Any],
    records: Sequence[Record],
    charts: Sequence[str],
) -> str:
    """The whole report.md."""
    systems = summary["systems"]
    out = [f"# Evaluation run {summary['run_id']}", "", *header_lines(config, summary), ""]
    out += ["## Systems side by side", "", systems_table(systems, "all"), ""]
    out += [
        "Retrieval metrics and fact coverage are over answerable questions; citation "
        "precision and recall over answerable questions that were not refused; refusal "
        "metrics over all questions. Retrieved and cited copies of a pinned page count as it.",
        "",
    ]
    sets = question_sets(records)
    for name in sets:
        out += [f"### Questions of `{name}`", "", systems_table(systems, name), ""]
    if len(sets) > 1 and "docqa" in systems:
        out += ["### docqa on each question set", "", sets_table(systems["docqa"], sets)]
        out += ["", f"A gap over {MAX_GAP} is a defect to explain (docs/evaluation.md).", ""]
    out += ["## By question kind", "", PASSED, ""]
    out += [breakdown_table(systems, "by_kind", "passed", "kind"), ""]
    out += ["## Per-page hit@1", "", "Answerable questions grouped by their first expected page."]
    out += ["", breakdown_table(systems, "by_page", "hit@1", "page"), ""]
    out += ["## Failures", "", failures_section(records, list(systems))]
    if charts:
        out += ["## Charts", ""] + [f"![{c}](charts/{c})" for c in charts] + [""]
    return "\n".join(out)
