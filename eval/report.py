"""The Markdown report of a run: systems side by side, breakdowns, failures, charts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eval.score import LATENCY, METRICS, Record

LABELS = {
    "fact_coverage": "fact coverage",
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


def fmt(value: float | None, metric: str = "") -> str:
    """A metric for a table: 3 decimals, milliseconds for latency, a dash when undefined."""
    if value is None:
        return "–"
    if metric in LATENCY:
        return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"
    return f"{value:.3f}"


def cell(text: str, limit: int = MAX_QUESTION) -> str:
    """Text safe inside a Markdown table cell, shortened to `limit` characters."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def side_by_side(systems: Mapping[str, Any], split: str = "all") -> str:
    """One row per metric, one column per system, for one split."""
    names = [name for name in systems if split in systems[name]]
    if not names:
        return ""
    first = systems[names[0]][split]
    header = ["metric", *names]
    rows = [["questions (answerable)", *(_count(systems[n][split]) for n in names)]]
    rows += [[LABELS.get(m, m), *(fmt(systems[n][split][m], m) for n in names)] for m in METRICS]
    return f"{split}: {first['n']} questions\n\n" + table(header, rows)


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
            cell(r.question),
            ", ".join(r.expected_pages) or "–",
            ", ".join(r.retrieved_pages[:3]) or "–",
            cell(", ".join(f for f in r.expected_facts if f not in r.facts_found), 60) or "–",
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
    index, corpus, questions = config["index"], config["corpus"], config["questions"]
    failures = summary["threshold_failures"]
    verdict = "all met" if not failures else "FAILED: " + "; ".join(failures)
    return [
        f"- questions: `{questions['file']}` ({summary['questions']} run, split "
        f"`{summary['split']}`; sha256 `{questions['sha256'][:12]}`)",
        f"- corpus: {', '.join(f'`{s}`' for s in corpus['sources'])} "
        f"(checksum `{corpus['checksum'][:12]}`)",
        f"- index: build `{index['build_id']}`, {index['pages']} pages, {index['chunks']} "
        f"chunks, model `{config['model']}`",
        f"- code: `{config['git_commit'] or 'unknown'}`; run took {config['seconds']} s",
        f"- thresholds (`{config['thresholds'] or 'none'}`): {verdict}",
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
    out += ["## Systems side by side", "", side_by_side(systems, "all"), ""]
    out += [
        "Retrieval metrics and fact coverage are over answerable questions; citation "
        "precision and recall over answerable questions that were not refused; refusal "
        "metrics over all questions. Retrieved and cited copies of a pinned page count as it.",
        "",
    ]
    for split in ("tune", "test"):
        if any(split in entry for entry in systems.values()):
            out += [f"### {split.capitalize()} split", "", side_by_side(systems, split), ""]
    out += ["## By question kind", "", PASSED, ""]
    out += [breakdown_table(systems, "by_kind", "passed", "kind"), ""]
    out += ["## Per-page hit@1", "", "Answerable questions grouped by their first expected page."]
    out += ["", breakdown_table(systems, "by_page", "hit@1", "page"), ""]
    out += ["## Failures", "", failures_section(records, list(systems))]
    if charts:
        out += ["## Charts", ""] + [f"![{c}](charts/{c})" for c in charts] + [""]
    return "\n".join(out)
