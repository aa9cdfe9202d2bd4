"""Index status and the in-app rebuild, as plain functions the sidebar lays out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.audit import AuditLog
from app.auth import Action, Actor, authorize

if TYPE_CHECKING:
    from docqa.progress import Progress
    from docqa.settings import Settings
    from ingest.models import IngestReport
    from ingest.pipeline import EmbedderFactory
    from ingest.store import IndexInfo

STAGES = {
    "loading model": "Loading the embedding model",
    "copying unchanged pages": "Copying unchanged pages",
    "embedding pages": "Embedding pages",
    "lexical index": "Building the keyword index",
}


def built_when(stamp: str) -> str:
    """`2026-01-02T03:04:05Z` as `2026-01-02 03:04 UTC` (unknown formats unchanged)."""
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return stamp
    return when.strftime("%Y-%m-%d %H:%M UTC")


def describe(info: IndexInfo) -> list[tuple[str, str]]:
    """Label and value of each fact the sidebar shows about the active index."""
    return [
        ("Pages", str(info.pages)),
        ("Chunks", str(info.chunks)),
        ("Embedding model", info.model),
        ("Built", built_when(info.built_at)),
        ("Corpus", Path(info.source).name or info.source),
    ]


def progress_step(stage: str, done: int, total: int) -> tuple[float, str]:
    """An ingest progress callback as (fraction for a progress bar, label)."""
    label = STAGES.get(stage, stage.capitalize())
    if total > 0 and stage == "embedding pages":
        label = f"{label}: {done} of {total}"
    fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
    return fraction, label


def corpus_for(settings: Settings, info: IndexInfo | None) -> Path | None:
    """The folder to re-index: the configured one if present, else the one the index came
    from (an index built with `--corpus DIR` keeps its folder)."""
    if settings.corpus_path.is_dir():
        return settings.corpus_path
    if info is not None and info.source and Path(info.source).is_dir():
        return Path(info.source)
    return None


def rebuild(
    settings: Settings,
    embedder: EmbedderFactory,
    info: IndexInfo | None,
    progress: Progress,
    from_scratch: bool = False,
    *,
    actor: Actor,
) -> IngestReport:
    """The same incremental ingest as `docqa ingest`; readers switch when it is published.
    Only a maintainer may (Forbidden otherwise, and the attempt is logged)."""
    from ingest.pipeline import run_ingest

    authorize(actor, Action.REBUILD, AuditLog.of(settings))
    return run_ingest(settings, embedder, corpus_for(settings, info), from_scratch, progress)


def report_summary(report: IngestReport) -> str:
    """One line about what an ingest did."""
    if not (report.added or report.changed or report.removed):
        return f"Index is up to date: {report.pages} pages, {report.chunks} chunks."
    return (
        f"New index published: {report.pages} pages ({len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed), "
        f"{report.chunks} chunks ({report.embedded_chunks} embedded) "
        f"in {report.seconds:.1f} s."
    )
