"""The results folder of a run (`data/eval/<run>/`): written by `docqa eval`, read back here
for the app's Evaluation page, so its layout has one owner."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docqa.errors import PathError
from docqa.files import write_atomic
from eval.report import LABELS, fmt, render_report
from eval.score import Record

CONFIG, RESULTS, SUMMARY, REPORT, CHARTS = (
    "config.json",
    "results.jsonl",
    "summary.json",
    "report.md",
    "charts",
)
LATEST = "latest"
OUTCOMES = ("correct", "missed page", "missing fact", "wrong refusal")
Scalar = str | int | float | bool
Cell = Scalar | None


def new_run_dir(out: Path) -> Path:
    """A fresh folder named by the UTC time, e.g. 20261128-053000."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    run_dir, n = out / stamp, 1
    while run_dir.exists():
        n += 1
        run_dir = out / f"{stamp}-{n}"
    try:
        run_dir.mkdir(parents=True)
    except OSError as exc:
        raise PathError(f"Cannot create {run_dir}: {exc.strerror or exc}") from exc
    return run_dir


def write_json(path: Path, data: Any) -> None:
    """One JSON file of a run, indented."""
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_results(run_dir: Path, records: Sequence[Record]) -> None:
    """results.jsonl: one line per question per system."""
    lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in records]
    (run_dir / RESULTS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_run(
    run_dir: Path, config: dict[str, Any], records: Sequence[Record], summary: dict[str, Any]
) -> None:
    """Write config.json, results.jsonl, summary.json, report.md, charts/; point `latest`."""
    from eval.charts import write_charts

    write_json(run_dir / CONFIG, config)
    write_results(run_dir, records)
    write_json(run_dir / SUMMARY, summary)
    charts = write_charts(run_dir / CHARTS, records, summary["systems"])
    report = render_report(config, summary, records, charts)
    (run_dir / REPORT).write_text(report, encoding="utf-8")
    point_latest(run_dir)


def point_latest(run_dir: Path) -> None:
    """Write `<out>/latest` naming the newest run folder (atomically: a UI reads it)."""
    write_atomic(run_dir.parent / LATEST, run_dir.name + "\n")


@dataclass(frozen=True)
class EvalRun:
    """One results folder, read back."""

    folder: Path
    summary: dict[str, Any]
    results: list[Record]
    charts: list[Path]
    report: Path | None
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The run id (folder name)."""
        return self.folder.name


def _is_run(folder: Path) -> bool:
    return folder.is_dir() and any((folder / name).is_file() for name in (SUMMARY, RESULTS))


def list_runs(eval_dir: Path) -> list[Path]:
    """Results folders under the eval folder, newest first."""
    if not eval_dir.is_dir():
        return []
    runs = [p for p in eval_dir.iterdir() if _is_run(p)]
    return sorted(runs, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def latest_run(eval_dir: Path) -> Path | None:
    """The folder named in `eval_dir/latest`, else the newest results folder, else None."""
    pointer = eval_dir / LATEST
    if pointer.is_file():
        # Only a folder directly inside eval_dir: the pointer cannot lead the UI elsewhere.
        name = Path(pointer.read_text(encoding="utf-8").strip()).name
        if name not in ("", ".", "..") and _is_run(eval_dir / name):
            return eval_dir / name
    runs = list_runs(eval_dir)
    return runs[0] if runs else None


def _read_summary(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        problems.append(f"{SUMMARY} is not valid JSON ({exc})")
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _read_results(path: Path, problems: list[str]) -> list[Record]:
    records: list[Record] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(Record.from_json(json.loads(line)))
        except (ValueError, TypeError, AttributeError) as exc:
            problems.append(f"{RESULTS} line {n} skipped ({exc.__class__.__name__})")
    return records


def load_run(folder: Path) -> EvalRun:
    """Everything in a results folder; unreadable parts are listed in `problems`."""
    problems: list[str] = []
    summary = _read_summary(folder / SUMMARY, problems) if (folder / SUMMARY).is_file() else {}
    path = folder / RESULTS
    results = _read_results(path, problems) if path.is_file() else []
    charts = sorted((folder / CHARTS).glob("*.png")) if (folder / CHARTS).is_dir() else []
    report = folder / REPORT
    return EvalRun(folder, summary, results, charts, report if report.is_file() else None, problems)


def outcomes(record: Record) -> tuple[str, ...]:
    """What went wrong ("missed page", "missing fact", "wrong refusal"), or ("correct",)."""
    found: list[str] = []
    expected = set(record.expected_pages)
    if record.answerable and expected and not expected & set(record.retrieved_pages):
        found.append("missed page")
    if record.answerable and not record.refused:
        coverage = record.scores.get("fact_coverage")
        if record.facts_missing or (coverage is not None and coverage < 1):
            found.append("missing fact")
    if record.refused == record.answerable:
        found.append("wrong refusal")
    return tuple(found) or ("correct",)


def system_metrics(summary: Mapping[str, Any], split: str = "all") -> dict[str, dict[str, Scalar]]:
    """Each system's metrics on one question set (`all`, `tune`, `test`); undefined ones and
    the breakdowns (`by_kind`, `by_page`) left out."""
    systems = summary.get("systems")
    table: dict[str, dict[str, Scalar]] = {}
    for name, entry in systems.items() if isinstance(systems, Mapping) else ():
        block = entry.get(split) if isinstance(entry, Mapping) else None
        values = block.items() if isinstance(block, Mapping) else ()
        table[str(name)] = {k: v for k, v in values if isinstance(v, str | int | float | bool)}
    return table


def splits_of(summary: Mapping[str, Any]) -> list[str]:
    """Question sets with metrics in summary.json (`all` first, then as written)."""
    systems = summary.get("systems")
    found = [
        name
        for entry in (systems.values() if isinstance(systems, Mapping) else [])
        if isinstance(entry, Mapping)
        for name, block in entry.items()
        if isinstance(block, Mapping) and "n" in block
    ]
    ordered = list(dict.fromkeys(found))
    return (["all"] if "all" in ordered else []) + [s for s in ordered if s != "all"]


def cell(value: Cell, metric: str) -> str:
    """A summary value as table text: a metric as in the report, yes/no, a count as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, float):
        return fmt(value, metric)
    return str(value)


def side_by_side(metrics: Mapping[str, Mapping[str, Scalar]]) -> list[dict[str, str]]:
    """One row per metric, one column per system, as text (columns mix numbers and words)."""
    names = list(dict.fromkeys(m for values in metrics.values() for m in values))
    return [
        {
            "metric": LABELS.get(name, name.replace("_", " ")),
            **{system: cell(values.get(name), name) for system, values in metrics.items()},
        }
        for name in names
    ]


def run_facts(summary: Mapping[str, Any]) -> dict[str, Scalar]:
    """Top-level plain values of summary.json (run id, date, model...)."""
    return {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool)}


def outcome_counts(records: Sequence[Record]) -> list[dict[str, Scalar]]:
    """Per system: questions and how many hit each outcome."""
    table: dict[str, dict[str, Scalar]] = {}
    for record in records:
        counts = table.setdefault(record.system, {"system": record.system, "questions": 0})
        counts["questions"] = int(counts["questions"]) + 1
        for outcome in outcomes(record):
            counts[outcome] = int(counts.get(outcome, 0)) + 1
    return [{k: t.get(k, 0) for k in ("system", "questions", *OUTCOMES)} for t in table.values()]


def pages_of(records: Iterable[Record]) -> list[str]:
    """Every expected page, sorted."""
    return sorted({page for record in records for page in record.expected_pages})


def filter_rows(
    records: Iterable[Record],
    page: str | None = None,
    outcome: str | None = None,
    system: str | None = None,
) -> list[Record]:
    """Results about a page, with an outcome, from a system (None matches all)."""
    return [
        r
        for r in records
        if (page is None or page in r.expected_pages)
        and (outcome is None or outcome in outcomes(r))
        and (system is None or r.system == system)
    ]


def result_table(records: Iterable[Record]) -> list[dict[str, Cell]]:
    """Results shaped for a table."""
    rows: list[dict[str, Cell]] = []
    for r in records:
        total = r.timings_ms.get("total")
        rows.append(
            {
                "id": r.id,
                "system": r.system,
                "kind": r.kind,
                "question": r.question,
                "outcome": ", ".join(outcomes(r)),
                "expected": ", ".join(r.expected_pages),
                "retrieved": ", ".join(r.retrieved_pages),
                "cited": ", ".join(r.cited_pages),
                "refused": r.refused,
                "missing facts": "; ".join(r.facts_missing),
                "ms": round(total, 1) if total is not None else None,
            }
        )
    return rows
