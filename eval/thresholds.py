"""Thresholds: the floors and ceilings a run must meet, read from a file and checked against
a summary on its gate set."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docqa.errors import DocqaError
from eval.score import ANSWERS, FOLLOW_UPS, READS, REFUSALS, RETRIEVAL

DEFAULT_THRESHOLDS = Path(__file__).with_name("thresholds.json")
BOUNDS = {"min", "max", "above"}

Bound = dict[str, Any]


class ThresholdsError(DocqaError):
    """A thresholds file that cannot be used; the message says which and why."""


def load_thresholds(path: Path) -> dict[str, dict[str, Bound]]:
    """A thresholds file: {system: {metric: {"min": x, "max": y, "above": [systems]}}};
    latency is never one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ThresholdsError(f"Thresholds file {path} does not exist") from exc
    except OSError as exc:
        raise ThresholdsError(f"Thresholds file {path} cannot be read: {exc}") from exc
    except ValueError as exc:
        raise ThresholdsError(f"Thresholds file {path} is not valid JSON: {exc}") from exc
    allowed = set(RETRIEVAL + READS + ANSWERS + REFUSALS + FOLLOW_UPS)
    if not isinstance(data, dict):
        raise ThresholdsError(f"Thresholds file {path} must hold a JSON object")
    for system, limits in data.items():
        if system.startswith("_"):
            continue
        for metric, bound in (limits or {}).items():
            if metric not in allowed:
                raise ThresholdsError(f"Thresholds file {path}: '{metric}' cannot be a threshold")
            if not isinstance(bound, dict) or not bound or not set(bound) <= BOUNDS:
                raise ThresholdsError(
                    f"Thresholds file {path}: {system}.{metric} needs min, max or above"
                )
            above = bound.get("above", [])
            if not isinstance(above, list) or not all(isinstance(s, str) for s in above):
                raise ThresholdsError(
                    f"Thresholds file {path}: {system}.{metric}.above must list system names"
                )
    return {k: v for k, v in data.items() if not k.startswith("_")}


def gate_set(summary: Mapping[str, Any]) -> str:
    """The questions the thresholds are checked on: the test file when it was run, else all."""
    return "test" if any("test" in entry for entry in summary.values()) else "all"


def check_thresholds(
    summary: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, Bound]]
) -> list[str]:
    """Every threshold missed on the gate set (`gate_set`), in words."""
    failures: list[str] = []
    name = gate_set(summary)
    for system, limits in thresholds.items():
        if system not in summary:
            failures.append(f"{system} was not evaluated")
            continue
        values = summary[system].get(name, {})
        for metric, bound in limits.items():
            failures += _misses(system, metric, values.get(metric), bound, summary, name)
    return failures


def _misses(
    system: str,
    metric: str,
    value: float | None,
    bound: Bound,
    summary: Mapping[str, Any],
    name: str,
) -> list[str]:
    if value is None:
        return [f"{system} {metric} is undefined on these questions"]
    out = []
    if "min" in bound and value < bound["min"]:
        out.append(f"{system} {metric} {value:.3f} < min {bound['min']}")
    if "max" in bound and value > bound["max"]:
        out.append(f"{system} {metric} {value:.3f} > max {bound['max']}")
    for other in bound.get("above", ()):
        theirs = summary.get(other, {}).get(name, {}).get(metric)
        if theirs is not None and value <= theirs:
            out.append(f"{system} {metric} {value:.3f} not above {other} ({theirs:.3f})")
    return out
