"""The `docqa bench` measurements as a table, a Markdown page and a check against targets."""

from __future__ import annotations

from typing import Any

# Goals to report against, never asserted: a benchmark on a shared machine is not a test.
TARGETS: dict[str, tuple[str, str, float]] = {
    "ingest.encode_ratio": (">=", "ingest ratio >= 0.90", 0.90),
    "reingest_noop_s": ("<", "no-change re-ingest < 2 s", 2.0),
    "query.p95_ms": ("<", "query p95 < 50 ms", 50.0),  # < 150 ms above LARGE_CORPUS pages
    "query_ratio.p95_ms": ("<=", "p95 <= 1.3 x the baseline's", 1.3),
    "cold_start_s": ("<=", "cold start <= 1.2 s", 1.2),
    "cold_ratio": ("<=", "cold start <= 0.25 x the tutorial's", 0.25),
    "peak_rss_mb.ingest": ("<", "peak RSS < 3 GB", 3072.0),
    "peak_rss_mb.query": ("<", "peak RSS < 3 GB", 3072.0),
}
LARGE_CORPUS = 100
LARGE_QUERY_TARGET = ("<", "query p95 < 150 ms (large corpus)", 150.0)
STAGE_ORDER = ("embed", "dense", "units", "lexical", "fusion", "retrieve", "answer", "total")


def _get(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for key in dotted.split("."):
        value = value[key]
    return value


def targets(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with the measured value and whether it was met."""
    found = {}
    for key, (op, text, limit) in TARGETS.items():
        if key == "query.p95_ms" and data["ingest"]["pages"] > LARGE_CORPUS:
            op, text, limit = LARGE_QUERY_TARGET
        value = float(_get(data, key))
        met = {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]
        found[key] = {"target": text, "value": value, "met": met}
    return found


def rows(data: dict[str, Any]) -> list[list[str]]:
    """The main table: docqa, its reference, the ratio and the target, side by side."""
    ing, q, b, rss = data["ingest"], data["query"], data["baseline_query"], data["peak_rss_mb"]
    loaded = "yes" if data["reingest_noop"]["model_loaded"] else "no"
    return [
        ["measure", "docqa", "reference", "ratio", "target"],
        [
            f"ingest ({ing['pages']} pages, {ing['chunks']} chunks)",
            f"{ing['chunks_per_s']:.1f} chunks/s ({ing['seconds']:.2f} s{_rounds(ing)})",
            f"raw encode of its {ing['encode_chunks']} texts ({ing['encode_seconds']:.2f} s)",
            f"{ing['encode_ratio']:.2f}",
            _target(data, "ingest.encode_ratio"),
        ],
        _first_build_row(ing),
        [
            "no-change re-ingest (subprocess)",
            f"{data['reingest_noop_s']:.2f} s, model loaded: {loaded}",
            "",
            "",
            _target(data, "reingest_noop_s"),
        ],
        _query_row("query p50", q, b, "p50_ms", data, None),
        _query_row("query p95", q, b, "p95_ms", data, "query.p95_ms"),
        [
            "cold start `docqa ask --json`",
            f"{data['cold_start_s']:.2f} s (median of {len(data['cold_start']['runs_s'])})",
            f"LangChain tutorial script {data['tutorial_cold_start_s']:.2f} s",
            f"{data['cold_ratio']:.2f}",
            f"{_target(data, 'cold_start_s')}; {_target(data, 'cold_ratio')}",
        ],
        [
            "peak RSS, ingest (subprocess)",
            f"{rss['ingest']:.0f} MB",
            f"no-change re-ingest {rss['reingest_noop']:.0f} MB",
            "",
            _target(data, "peak_rss_mb.ingest"),
        ],
        [
            f"peak RSS, query ({q['n']} warm queries)",
            f"{rss['query']:.0f} MB",
            f"cold `docqa ask` {rss['ask_cold']:.0f} MB",
            "",
            _target(data, "peak_rss_mb.query"),
        ],
    ]


def _first_build_row(ingest: dict[str, Any]) -> list[str]:
    """The first build on a machine, which also embeds the neighbour headings for the cache."""
    first = ingest.get("first_build") or {}
    return [
        "first ingest on this machine (round 1)",
        f"{first.get('seconds', 0):.2f} s, {first.get('embedded_headings', 0)} neighbour "
        "headings embedded",
        f"raw encode {ingest['rounds'][0]['encode_s']:.2f} s" if ingest.get("rounds") else "",
        f"{first.get('encode_ratio', 0):.2f}",
        "",
    ]


def _rounds(ingest: dict[str, Any]) -> str:
    n = len(ingest.get("rounds", ()))
    return f", median of {n} rounds" if n > 1 else ""


def _query_row(
    name: str, q: dict[str, Any], b: dict[str, Any], key: str, data: dict[str, Any], tk: str | None
) -> list[str]:
    return [
        f"{name} ({q['n']} queries)",
        f"{q[key]:.1f} ms",
        f"{b['system']} {b[key]:.1f} ms",
        f"{data['query_ratio'][key]:.2f}",
        f"{_target(data, tk)}; {_target(data, 'query_ratio.' + key)}" if tk else "",
    ]


def _target(data: dict[str, Any], key: str) -> str:
    target = data["targets"][key]
    return f"{target['target']}: {'met' if target['met'] else 'MISSED'}"


def stage_rows(data: dict[str, Any]) -> list[list[str]]:
    """docqa's query time split by stage (Engine.ask timings), and the baseline's total."""
    stages = data["query"]["stages"]
    found = [["stage", "p50 ms", "p95 ms"]]
    found += [
        [s, f"{stages[s]['p50_ms']:.2f}", f"{stages[s]['p95_ms']:.2f}"]
        for s in STAGE_ORDER
        if s in stages
    ]
    b = data["baseline_query"]
    found.append([f"{b['system']} total", f"{b['p50_ms']:.2f}", f"{b['p95_ms']:.2f}"])
    return found


def _render(table_rows: list[list[str]]) -> str:
    head, *body = table_rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def table(data: dict[str, Any]) -> str:
    """What `docqa bench` prints: the main table and the stage split (Markdown tables)."""
    return _render(rows(data)) + "\n\n" + _render(stage_rows(data))


def markdown(data: dict[str, Any]) -> str:
    """bench.md: the command, the machine and the tables."""
    m = data["machine"]
    return "\n".join(
        [
            "# docqa bench",
            "",
            f"Command: `{data['command']}`, started {data['started_at']}.",
            f"Corpus: `{data['corpus']}`; model `{data['model']}`.",
            f"Machine: {m['cores']} cores ({m['usable_cores']} usable), {m['cpu_model']}, "
            f"{m['memory_gb']} GB; load average {m['load_average_before']} before, "
            f"{m['load_average']} after.",
            "",
            table(data),
            "",
        ]
    )
