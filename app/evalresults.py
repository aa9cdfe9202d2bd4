"""Read evaluation results folders (`data/eval/<run>/`) as plain files for the UI."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LATEST = "latest"
OUTCOMES = ("correct", "missed page", "missing fact", "wrong refusal")
LABELS = {"n": "questions", "n_answerable": "answerable questions", "mrr@10": "MRR@10"}
Scalar = str | int | float | bool
Cell = Scalar | None


@dataclass(frozen=True)
class ResultRow:
    """One question answered by one system."""

    system: str
    id: str
    question: str
    kind: str
    expected_pages: tuple[str, ...]
    retrieved_pages: tuple[str, ...]
    cited_pages: tuple[str, ...]
    answer: str
    refused: bool
    answerable: bool
    facts_found: tuple[str, ...] = ()
    facts_missing: tuple[str, ...] = ()
    fact_coverage: float | None = None
    total_ms: float | None = None

    @property
    def outcomes(self) -> tuple[str, ...]:
        """What went wrong ("missed page", "missing fact", "wrong refusal"), or ("correct",)."""
        found: list[str] = []
        expected = set(self.expected_pages)
        if self.answerable and expected and not expected & set(self.retrieved_pages):
            found.append("missed page")
        if self.answerable and not self.refused:
            short = self.fact_coverage is not None and self.fact_coverage < 1
            if self.facts_missing or short:
                found.append("missing fact")
        if self.refused == self.answerable:
            found.append("wrong refusal")
        return tuple(found) or ("correct",)


@dataclass(frozen=True)
class EvalRun:
    """One results folder."""

    folder: Path
    summary: dict[str, Any]
    results: list[ResultRow]
    charts: list[Path]
    report: Path | None
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The run id (folder name)."""
        return self.folder.name


def _is_run(folder: Path) -> bool:
    return folder.is_dir() and any(
        (folder / name).is_file() for name in ("summary.json", "results.jsonl")
    )


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


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return tuple(str(v) for v in value)
    return ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_row(data: Mapping[str, Any]) -> ResultRow:
    """A results.jsonl line; facts may come as found/expected lists or as a coverage number."""
    found = data.get("facts_found")
    facts = _strings(found)
    missing = _strings(data.get("facts_missing"))
    if not missing and "expected_facts" in data:
        missing = tuple(f for f in _strings(data["expected_facts"]) if f not in facts)
    timings = data.get("timings_ms")
    total = _number(timings.get("total")) if isinstance(timings, Mapping) else _number(timings)
    return ResultRow(
        system=str(data.get("system", "")),
        id=str(data.get("id", "")),
        question=str(data.get("question", "")),
        kind=str(data.get("kind", "")),
        expected_pages=_strings(data.get("expected_pages")),
        retrieved_pages=_strings(data.get("retrieved_pages")),
        cited_pages=_strings(data.get("cited_pages")),
        answer=str(data.get("answer", "")),
        refused=bool(data.get("refused", False)),
        answerable=bool(data.get("answerable", True)),
        facts_found=facts,
        facts_missing=missing,
        fact_coverage=_number(data.get("fact_coverage", found)),
        total_ms=total,
    )


def load_run(folder: Path) -> EvalRun:
    """Everything in a results folder; unreadable parts are listed in `problems`."""
    problems: list[str] = []
    summary: dict[str, Any] = {}
    path = folder / "summary.json"
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            summary = loaded if isinstance(loaded, dict) else {}
        except ValueError as exc:
            problems.append(f"summary.json is not valid JSON ({exc})")
    results: list[ResultRow] = []
    path = folder / "results.jsonl"
    if path.is_file():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                results.append(parse_row(json.loads(line)))
            except (ValueError, AttributeError) as exc:
                problems.append(f"results.jsonl line {n} skipped ({exc.__class__.__name__})")
    charts = sorted((folder / "charts").glob("*.png")) if (folder / "charts").is_dir() else []
    report = folder / "report.md"
    return EvalRun(folder, summary, results, charts, report if report.is_file() else None, problems)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Scalar]:
    flat: dict[str, Scalar] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, str | int | float | bool):
            flat[name] = value
    return flat


def _metrics(entry: Mapping[str, Any], split: str) -> dict[str, Scalar]:
    """A system's metrics: its `split` block when it has one (`all`, `tune`, `test`), else
    its plain values; breakdowns (`by_kind`, `by_page`) are left out."""
    block = entry.get(split)
    if isinstance(block, Mapping):
        return _flatten(block)
    return {k: v for k, v in entry.items() if isinstance(v, str | int | float | bool)}


def system_metrics(summary: Mapping[str, Any], split: str = "all") -> dict[str, dict[str, Scalar]]:
    """Metrics per system from `systems` as {name: {split: metrics}} or {name: metrics} or
    [{system: name, ...}]."""
    systems = summary.get("systems")
    if isinstance(systems, Mapping):
        return {str(k): _metrics(v, split) for k, v in systems.items() if isinstance(v, Mapping)}
    table: dict[str, dict[str, Scalar]] = {}
    for item in systems if isinstance(systems, list) else []:
        if isinstance(item, Mapping):
            name = str(item.get("system", item.get("name", f"system {len(table) + 1}")))
            values = _metrics(item, split)
            table[name] = {k: v for k, v in values.items() if k not in ("system", "name")}
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


def fmt(value: Cell) -> str:
    """A metric value as table text: floats to 3 places, missing as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def side_by_side(metrics: Mapping[str, Mapping[str, Scalar]]) -> list[dict[str, str]]:
    """One row per metric, one column per system, as text (columns mix numbers and words)."""
    names = list(dict.fromkeys(m for values in metrics.values() for m in values))
    return [
        {
            "metric": LABELS.get(name, name.replace("_", " ")),
            **{system: fmt(values.get(name)) for system, values in metrics.items()},
        }
        for name in names
    ]


def run_facts(summary: Mapping[str, Any]) -> dict[str, Scalar]:
    """Top-level plain values of summary.json (run id, date, model...)."""
    return {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool)}


def outcome_counts(rows: Sequence[ResultRow]) -> list[dict[str, Scalar]]:
    """Per system: questions and how many hit each outcome."""
    table: dict[str, dict[str, Scalar]] = {}
    for row in rows:
        counts = table.setdefault(row.system, {"system": row.system, "questions": 0})
        counts["questions"] = int(counts["questions"]) + 1
        for outcome in row.outcomes:
            counts[outcome] = int(counts.get(outcome, 0)) + 1
    return [{k: t.get(k, 0) for k in ("system", "questions", *OUTCOMES)} for t in table.values()]


def pages_of(rows: Iterable[ResultRow]) -> list[str]:
    """Every expected page, sorted."""
    return sorted({page for row in rows for page in row.expected_pages})


def filter_rows(
    rows: Iterable[ResultRow],
    page: str | None = None,
    outcome: str | None = None,
    system: str | None = None,
) -> list[ResultRow]:
    """Rows about a page, with an outcome, from a system (None matches all)."""
    return [
        r
        for r in rows
        if (page is None or page in r.expected_pages)
        and (outcome is None or outcome in r.outcomes)
        and (system is None or r.system == system)
    ]


def result_table(rows: Iterable[ResultRow]) -> list[dict[str, Cell]]:
    """Rows shaped for a table."""
    return [
        {
            "id": r.id,
            "system": r.system,
            "kind": r.kind,
            "question": r.question,
            "outcome": ", ".join(r.outcomes),
            "expected": ", ".join(r.expected_pages),
            "retrieved": ", ".join(r.retrieved_pages),
            "cited": ", ".join(r.cited_pages),
            "refused": r.refused,
            "missing facts": "; ".join(r.facts_missing),
            "ms": round(r.total_ms, 1) if r.total_ms is not None else None,
        }
        for r in rows
    ]
