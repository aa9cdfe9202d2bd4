"""The evaluation runner: open or build the index, ask every system every question, write
one results folder (config, per-question results, summary, report, charts)."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docqa.progress import Progress
from eval.corpora import EvalCorpus, cache_dir, resolve_corpus
from eval.pagemap import canonical_ids, manifest_hashes
from eval.questions import DEFAULT_SETS, EvalQuestion, QuestionsError, file_sha256, read_questions
from eval.report import console_tables
from eval.results import new_run_dir, write_run
from eval.score import Record, score
from eval.score import summarise as summarise_records
from eval.systems import DocqaSystem, System
from eval.thresholds import DEFAULT_THRESHOLDS, check_thresholds, load_thresholds

if TYPE_CHECKING:
    from app.engine import Engine
    from docqa.settings import Settings
    from ingest.embed import Embedder
    from ingest.store import IndexInfo

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class EvalOptions:
    """What `docqa eval` was asked to do."""

    # Question files to run; none means the tuning and test files (see `split`).
    questions: tuple[Path, ...] = ()
    corpus_dirs: tuple[Path, ...] = ()
    out_dir: Path | None = None
    baselines: bool = True
    split: str = "all"  # without `questions`: "tune", "test" or "all" (both files)
    thresholds: Path | None = None
    compare_backend: str | None = None  # also score docqa with this embedding backend
    scope: str | None = None  # answer from one guide (docqa and the baselines alike)


@dataclass(frozen=True)
class EvalResult:
    """Where a run was written, its summary, and the thresholds it missed."""

    run_dir: Path
    summary: dict[str, Any]
    records: list[Record]
    failures: list[str]
    table: str


def _silent(stage: str, done: int, total: int) -> None:
    return None


def git_commit() -> str | None:
    """The repository's commit, with "+dirty" when tracked files changed; None outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode:
            raise OSError(done.stderr.strip())
        return done.stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def open_index(corpus: EvalCorpus, engine: Engine, progress: Progress) -> IndexInfo:
    """The index to evaluate: built (incrementally) when it is separate or missing."""
    from ingest.pipeline import run_ingest

    if corpus.separate_index or engine.store.current_id() is None:
        run_ingest(corpus.settings, lambda: engine.embedder, corpus.folder, progress=progress)
    info: IndexInfo = engine.load().build.info
    return info


def backend_system(corpus: EvalCorpus, backend: str, progress: Progress) -> DocqaSystem:
    """docqa with another embedding backend, on an index of its own built aside."""
    from app.engine import Engine
    from ingest.pipeline import run_ingest

    other = corpus.settings.model_copy(update={"embed_backend": backend})
    index = cache_dir(other, corpus.checksum) / "index"
    other = other.model_copy(update={"index_dir": index, "chroma_url": None})
    engine = Engine(other)
    run_ingest(other, lambda: engine.embedder, corpus.folder, progress=progress)
    return DocqaSystem(engine, name=f"docqa+{backend}")


def build_systems(
    engine: Engine,
    corpus: EvalCorpus,
    baselines: bool,
    progress: Progress,
    compare_backend: str | None = None,
) -> list[System]:
    """docqa, optionally docqa with another embedding backend, then (optionally) BM25 over
    docqa's chunks and the LangChain tutorial."""
    from eval.baselines import Bm25Baseline, LangChainTutorial

    docqa = DocqaSystem(engine)
    systems: list[System] = [docqa]
    if compare_backend and compare_backend != corpus.settings.embed_backend:
        systems.append(backend_system(corpus, compare_backend, progress))
    if baselines:
        k = corpus.settings.k
        chunks = engine.load().build.chunks
        scope = corpus.settings.scope
        systems.append(Bm25Baseline(chunks, docqa.page_hashes(), k, scope))
        systems.append(LangChainTutorial(corpus.folder, engine.embedder, k, progress, scope))
    return systems


def question_files(options: EvalOptions) -> list[tuple[str, Path]]:
    """(set name, file) of every questions file to run: the files given, each named by its
    stem ("test" for the test file), or the tuning and test files chosen by `split`."""
    if options.questions:
        known = {path.resolve(): name for name, path in DEFAULT_SETS}
        return [(known.get(p.resolve(), p.stem), p) for p in dict.fromkeys(options.questions)]
    if options.split not in ("all", *(name for name, _ in DEFAULT_SETS)):
        raise ValueError(f"Unknown split '{options.split}': use tune, test or all")
    return [(n, p) for n, p in DEFAULT_SETS if options.split in ("all", n)]


def load_sets(
    files: Sequence[tuple[str, Path]], warn: Callable[[str], None] | None = None
) -> list[tuple[str, EvalQuestion]]:
    """Every question of every file, with its set name; an id may be used once in all. A
    file whose lines carry keys docqa does not read is said once to `warn`."""
    questions: list[tuple[str, EvalQuestion]] = []
    seen: dict[str, str] = {}
    for name, path in files:
        read = read_questions(path)
        if warn is not None and (warning := read.warning()):
            warn(warning)
        for question in read.questions:
            if question.id in seen:
                raise QuestionsError(
                    f"Question id '{question.id}' is in both {seen[question.id]} and {path}"
                )
            seen[question.id] = str(path)
            questions.append((name, question))
    return questions


def ask_all(
    systems: Sequence[System], questions: Sequence[tuple[str, EvalQuestion]], progress: Progress
) -> list[Record]:
    """Every system on every question (the baselines ignore the history)."""
    pinned = manifest_hashes()
    records: list[Record] = []
    for system in systems:
        mapping = canonical_ids(system.page_hashes(), pinned)
        for n, (name, question) in enumerate(questions, 1):
            reply = system.ask(question.question, question.history)
            records.append(score(system.name, question, name, reply, mapping))
            progress(f"asking ({system.name})", n, len(questions))
    return records


def run_eval(
    settings: Settings,
    options: EvalOptions,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> EvalResult:
    """Run one evaluation and write its results folder; what is worth a warning (keys of a
    questions file that are not read) goes to `warn`."""
    from app.engine import Engine

    report = progress or _silent
    start, started_at = time.perf_counter(), time.gmtime()
    files = question_files(options)
    questions = load_sets(files, warn)
    thresholds_file: Path | None = options.thresholds or DEFAULT_THRESHOLDS
    if options.thresholds is None and not DEFAULT_THRESHOLDS.is_file():
        thresholds_file = None
    thresholds = load_thresholds(thresholds_file) if thresholds_file else {}
    corpus = resolve_corpus(settings, options.corpus_dirs)
    if options.scope is not None:
        corpus = replace(corpus, settings=corpus.settings.with_overrides(scope=options.scope))
    engine = Engine(corpus.settings, embedder)
    info = open_index(corpus, engine, report)
    engine.load().retriever.scoped(corpus.settings.scope)  # a guide not there: a clear error
    systems = build_systems(engine, corpus, options.baselines, report, options.compare_backend)
    try:
        records = ask_all(systems, questions, report)
    finally:
        for system in systems:
            close = getattr(system, "close", None)
            if close is not None:
                close()
    systems_summary = summarise_records(records, [s.name for s in systems])
    failures = check_thresholds(systems_summary, thresholds)
    run_dir = new_run_dir(options.out_dir or settings.eval_path)
    config = run_config(corpus, info, options, files, thresholds_file)
    config["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", started_at)
    config["seconds"] = round(time.perf_counter() - start, 1)
    summary = {
        "run_id": run_dir.name,
        "questions": len(questions),
        "split": options.split,
        "systems": systems_summary,
        "threshold_failures": failures,
    }
    write_run(run_dir, config, records, summary)
    table = console_tables(systems_summary, [name for name, _ in files])
    return EvalResult(run_dir, summary, records, failures, table)


def run_config(
    corpus: EvalCorpus,
    info: IndexInfo,
    options: EvalOptions,
    files: Sequence[tuple[str, Path]],
    thresholds: Path | None,
) -> dict[str, Any]:
    """What this run was: settings, model, index build, corpus, questions, code."""
    settings = corpus.settings.model_dump(mode="json", exclude={"llm_api_key"})
    build = {k: v for k, v in dataclasses.asdict(info).items() if k != "files"}
    return {
        "settings": settings,
        "model": corpus.settings.embedding_id,
        "index": {"location": str(corpus.settings.index_path), **build},
        "corpus": {"sources": list(corpus.sources), "checksum": corpus.checksum},
        "questions": [
            {"set": name, "file": str(path), "sha256": file_sha256(path)} for name, path in files
        ],
        "split": options.split,
        "baselines": options.baselines,
        "compare_backend": options.compare_backend,
        "thresholds": str(thresholds) if thresholds else None,
        "git_commit": git_commit(),
        "python": platform.python_version(),
    }
