"""Fixtures of the app tests: a made-up evaluation results folder, a browser, a shared index."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docqa.settings import Settings
from ingest.pipeline import run_ingest
from tests.support.embedders import FAKE, FAKE_MODEL, FakeEmbedder

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SYSTEMS = {
    "docqa": {"hit@1": 0.75, "hit@5": 1.0, "fact_coverage": 0.5, "refusal_recall": 1.0},
    "bm25": {"hit@1": 0.5, "hit@5": 0.75, "fact_coverage": 0.25, "refusal_recall": 0.0},
}
# Our own invented questions about an imaginary "widget" product, not the real question set.
ROWS = [
    ("w1", "How are widgets encrypted at rest?", ["widget-encryption"], True, ["aes"], ["aes"]),
    ("w2", "Can widget keys rotate?", ["widget-rotation"], True, ["yearly"], []),
    ("w3", "What colour is the widget logo?", [], False, [], []),
    ("w4", "Do widgets log <b>access</b>?", ["widget-logging"], True, ["trail"], ["trail"]),
]


def write_run(runs: Path, name: str = "20260101-120000", latest: bool = True) -> Path:
    """A results folder shaped like `docqa eval` output, with invented numbers."""
    folder = runs / name
    (folder / "charts").mkdir(parents=True)
    summary = {
        "run_id": name,
        "questions": len(ROWS),
        "split": "all",
        "systems": {
            system: {"all": {"n": 4, "n_answerable": 3, **values}, "by_kind": {}}
            for system, values in SYSTEMS.items()
        },
        "threshold_failures": [],
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    lines = []
    for system in SYSTEMS:
        for qid, question, pages, answerable, facts, found in ROWS:
            weak = system == "bm25"
            lines.append(
                {
                    "system": system,
                    "id": qid,
                    "question": question,
                    "kind": "factual",
                    "expected_pages": pages,
                    "retrieved_pages": ["widget-other"] if weak and qid == "w2" else pages,
                    "answer": "Made-up answer [1].",
                    "refused": not answerable or (weak and qid == "w4"),
                    "answerable": answerable,
                    "cited_pages": pages[:1],
                    "expected_facts": facts,
                    "facts_found": found,
                    "timings_ms": {"total": 12.5},
                }
            )
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    (folder / "results.jsonl").write_text(text, encoding="utf-8")
    (folder / "report.md").write_text(f"# Evaluation run {name}\n", encoding="utf-8")
    _chart(folder / "charts" / "hit_at_k.png")
    if latest:
        (runs / "latest").write_text(name + "\n", encoding="utf-8")
    return folder


def _chart(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=80)
    ax.bar(list(SYSTEMS), [v["hit@1"] for v in SYSTEMS.values()], color=["#4c78a8", "#9ecae9"])
    ax.set_title("hit@1 (made-up numbers)")
    ax.set_ylim(0, 1)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture
def eval_run(settings) -> Path:  # type: ignore[no-untyped-def]
    """A made-up results folder under the settings' eval folder, named in `latest`."""
    return write_run(settings.eval_path)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded one); skipped only outside CI when absent."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; `.ci/services.sh start` installs it")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, security_corpus: Path) -> Settings:
    """The 16 pages indexed with the fake embedder, once for a whole test module."""
    data = tmp_path_factory.mktemp("index") / "data"
    settings = Settings(data_dir=data, embed_model=FAKE_MODEL, embed_backend=FAKE)
    run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), security_corpus)
    return settings
