"""PNG charts of a run (matplotlib's Agg canvas: no display, no global pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.score import ANSWERS, REFUSALS, RETRIEVAL, Record

BAR_METRICS = RETRIEVAL + ANSWERS + REFUSALS


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _grouped_bars(
    ax: Any, labels: Sequence[str], series: Mapping[str, Sequence[float]], horizontal: bool
) -> None:
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        offsets = [p + (i - (len(series) - 1) / 2) * width for p in range(len(labels))]
        if horizontal:
            ax.barh(offsets, values, height=width, label=name)
        else:
            ax.bar(offsets, values, width=width, label=name)
    ticks = list(range(len(labels)))
    if horizontal:
        ax.set_yticks(ticks, labels)
        ax.set_xlim(0, 1.05)
        ax.invert_yaxis()
    else:
        ax.set_xticks(ticks, labels, rotation=35, ha="right")
        ax.set_ylim(0, 1.05)
    ax.figure.legend(loc="outside upper center", ncols=len(series), fontsize="small")


def metrics_chart(path: Path, systems: Mapping[str, Any]) -> None:
    """Every bounded metric (0..1) per system, over all questions run."""
    figure = _figure(11, 4.5)
    ax = figure.add_subplot()
    series = {
        name: [entry["all"][m] or 0.0 for m in BAR_METRICS] for name, entry in systems.items()
    }
    _grouped_bars(ax, BAR_METRICS, series, horizontal=False)
    ax.set_title("Metrics per system (undefined shown as 0)")
    figure.savefig(path)


def page_chart(path: Path, systems: Mapping[str, Any]) -> None:
    """hit@1 per page (answerable questions by their first expected page), per system."""
    pages = sorted({p for entry in systems.values() for p in entry["by_page"]})
    figure = _figure(9, 1.5 + 0.45 * len(pages))
    ax = figure.add_subplot()
    series = {
        name: [(entry["by_page"].get(p, {}).get("hit@1") or 0.0) for p in pages]
        for name, entry in systems.items()
    }
    _grouped_bars(ax, pages, series, horizontal=True)
    ax.set_title("hit@1 per page")
    figure.savefig(path)


def latency_chart(path: Path, records: Sequence[Record], systems: Sequence[str]) -> None:
    """Distribution of the total time per question, per system (log scale)."""
    figure = _figure(8, 4)
    ax = figure.add_subplot()
    data = [
        [max(r.timings_ms.get("total", 0.0), 0.01) for r in records if r.system == name]
        for name in systems
    ]
    ax.boxplot(data, tick_labels=list(systems), showfliers=True)
    ax.set_yscale("log")
    ax.set_ylabel("total ms per question")
    ax.set_title("Latency")
    figure.savefig(path)


def write_charts(folder: Path, records: Sequence[Record], systems: Mapping[str, Any]) -> list[str]:
    """Write the PNG charts into folder; their file names."""
    folder.mkdir(parents=True, exist_ok=True)
    metrics_chart(folder / "metrics.png", systems)
    page_chart(folder / "pages.png", systems)
    latency_chart(folder / "latency.png", records, list(systems))
    return ["metrics.png", "pages.png", "latency.png"]
