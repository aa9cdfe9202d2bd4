"""The `docqa` command: the one place that wires corpus, ingest, app and eval together.

Heavy libraries (torch, chromadb) are imported inside commands, so `docqa --help` is instant.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from docqa.errors import DocqaError
from docqa.settings import Settings, SettingsError, load_settings

F = TypeVar("F", bound=Callable[..., Any])


class DocqaGroup(click.Group):
    """The command group: a user error from any command is `Error: ...` and exit status 1;
    any other exception is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, turning a DocqaError into a ClickException."""
        try:
            return super().invoke(ctx)
        except DocqaError as exc:
            raise click.ClickException(str(exc)) from exc


def emit(data: Any, as_json: bool, text: str) -> None:
    """Data to stdout: JSON for machines, or a short human summary."""
    if as_json:
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            data = dataclasses.asdict(data)
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text)


class TqdmProgress:
    """A progress bar on stderr driven by (stage, done, total) callbacks."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, file=sys.stderr, unit="", leave=False)
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def close(self) -> None:
        """Finish the current bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def common(func: F) -> F:
    """Options every data command shares."""
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(func)
    func = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")(func)
    return func


@click.group(cls=DocqaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir", type=click.Path(path_type=Path), help="Index folder [DOCQA_INDEX_DIR]."
)
@click.option(
    "--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [DOCQA_CHROMA_URL]."
)
@click.pass_context
def cli(ctx: click.Context, index_dir: Path | None, chroma_url: str | None) -> None:
    """docqa: cited answers from the Security in Amazon Comprehend pages, offline."""
    try:
        ctx.obj = load_settings(index_dir=index_dir, chroma_url=chroma_url)
    except SettingsError as exc:
        raise click.ClickException(f"Invalid settings: {exc}") from exc


@cli.group()
def corpus() -> None:
    """Obtain the documentation pages."""


@corpus.command("fetch")
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path, file_okay=False),
    help="Copy from this folder instead of downloading [DOCQA_CORPUS_SOURCE].",
)
@click.option("--dest", type=click.Path(path_type=Path), help="Where to put the pages.")
@click.option(
    "--neighbours",
    "want_neighbours",
    is_flag=True,
    help="Also get the five neighbouring guides (downloaded unless --neighbours-from).",
)
@click.option(
    "--neighbours-from",
    "neighbours_source",
    type=click.Path(path_type=Path, file_okay=False),
    help="Copy the neighbouring guides from this folder [DOCQA_NEIGHBOURS_SOURCE].",
)
@common
@click.pass_obj
def corpus_fetch(
    settings: Settings,
    source: Path | None,
    dest: Path | None,
    want_neighbours: bool,
    neighbours_source: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Get the 16 pinned pages (download, or copy with --from), checking checksums; with
    --neighbours (or a neighbours source), the neighbouring guides too."""
    from corpus.fetch import fetch
    from corpus.manifest import load_manifest
    from corpus.neighbours import fetch_neighbours

    target = dest or settings.corpus_path
    say = None if quiet else (lambda page: click.echo(f"  got {page}", err=True))
    neighbours_from = neighbours_source or settings.neighbours_source
    report = fetch(load_manifest(), target, source or settings.corpus_source, progress=say)
    guides = None
    if want_neighbours or neighbours_from is not None:
        guides = fetch_neighbours(settings.neighbours_home, neighbours_from, progress=say)
    text = f"{len(report.fetched)} fetched, {len(report.unchanged)} already present in {target}"
    if guides is not None:
        text += (
            f"; neighbouring guides: {len(guides.fetched)} fetched, {len(guides.unchanged)} "
            f"already present in {guides.dest}"
        )
    data = {**dataclasses.asdict(report), "neighbours": guides and dataclasses.asdict(guides)}
    emit(data, as_json, text)


@cli.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of pages to index (default: the fetched corpus).",
)
@click.option("--rebuild", is_flag=True, help="Re-embed everything from scratch.")
@click.option("--chunk-size", type=int, help="Characters per chunk [DOCQA_CHUNK_SIZE].")
@common
@click.pass_obj
def ingest(
    settings: Settings,
    corpus_dir: Path | None,
    rebuild: bool,
    chunk_size: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Index the pages: only new and changed pages are embedded."""
    from ingest.embed import load_embedder
    from ingest.pipeline import run_ingest

    settings = settings.with_overrides(chunk_size=chunk_size)
    progress = TqdmProgress(quiet)
    report = run_ingest(settings, lambda: load_embedder(settings), corpus_dir, rebuild, progress)
    progress.close()
    for skipped in report.skipped:
        click.echo(f"Skipped {skipped.path}: {skipped.reason}", err=True)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    emit(
        report,
        as_json,
        f"{report.pages} pages ({len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged), "
        f"{report.chunks} chunks ({report.embedded_chunks} embedded, "
        f"{report.embedded_units} sentences embedded), {report.neighbour_headings} neighbour "
        f"headings ({report.embedded_headings} embedded) in {report.seconds:.1f} s",
    )


@cli.command()
@common
@click.pass_obj
def status(settings: Settings, as_json: bool, quiet: bool) -> None:
    """Show what the index holds and what built it."""
    from ingest.store import IndexStore

    info = IndexStore(settings).info()
    if info is None:
        raise click.ClickException("No index yet. Build it: docqa ingest")
    data = dataclasses.asdict(info)
    data["files"] = sorted(info.files)
    emit(
        data,
        as_json,
        f"{info.pages} pages, {info.chunks} chunks, model {info.model}, built {info.built_at} "
        f"from {info.source} (build {info.build_id})",
    )


@cli.command()
@click.option("--to", "url", required=True, help="Chroma server URL, e.g. http://127.0.0.1:8000.")
@common
@click.pass_obj
def migrate(settings: Settings, url: str, as_json: bool, quiet: bool) -> None:
    """Copy the active index to a Chroma server, embeddings included (nothing re-embedded)."""
    from ingest.transfer import migrate as copy_index

    report = copy_index(settings, url)
    done = "copied" if report.copied else "already active"
    emit(report, as_json, f"Build {report.build_id} ({report.chunks} chunks) {done} at {url}")
    if not quiet:
        click.echo(f"Use it: DOCQA_CHROMA_URL={url} docqa ask ...", err=True)


@cli.command()
@click.argument("question", required=False)
@click.option("--k", type=click.IntRange(1, 50), help="Pages to retrieve [DOCQA_K].")
@click.option(
    "--history",
    "history_file",
    type=click.File("r"),
    help="Earlier questions of the conversation (asked again first): a JSON list, or one per line.",
)
@click.option("--mode", type=click.Choice(["extractive", "llm"]), help="[DOCQA_ANSWER_MODE]")
@common
@click.pass_obj
def ask(
    settings: Settings,
    question: str | None,
    k: int | None,
    history_file: Any,
    mode: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Answer QUESTION (or stdin) from the pages, with numbered sources."""
    from app.engine import Engine

    if question is None:
        question = "" if sys.stdin.isatty() else sys.stdin.read()
    history = _read_history(history_file.read()) if history_file else []
    settings = settings.with_overrides(k=k, answer_mode=mode)
    engine = Engine(settings)
    earlier: list[Any] = []
    for turn in history:  # as in the chat: each earlier question sees the ones before
        earlier.append(engine.ask(turn, earlier))
    answer = engine.ask(question, earlier)
    for warning in answer.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(answer.text)
    if answer.reasons:
        click.echo(f"Why: {'; '.join(answer.reasons)}.")
    sources = answer.related if answer.refused else answer.citations
    if sources:
        click.echo("\nRelated pages:" if answer.refused else "\nSources:")
    for c in sources:
        click.echo(f"[{c.n}] {c.title} — {c.section}\n    {c.url}")


def _read_history(text: str) -> list[str]:
    """A history file: a JSON list of questions (or of {"question": ...}), or plain lines."""
    try:
        data = json.loads(text)
    except ValueError:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if not isinstance(data, list):
        raise click.ClickException("The history file must hold a JSON list of questions.")
    return [str(item.get("question", "")) if isinstance(item, dict) else str(item) for item in data]


@cli.command("eval")
@click.option(
    "--questions",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Questions file (JSON Lines), repeatable [default: eval/tune.jsonl and eval/test.jsonl].",
)
@click.option(
    "--corpus",
    "corpus_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Evaluate on this folder of pages, indexed aside (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of run folders [default: data/eval].",
)
@click.option("--baselines/--no-baselines", default=True, help="Also score the baselines.")
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="all",
    help="Without --questions: the tuning file, the test file, or both.",
)
@click.option(
    "--thresholds",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Minimums to meet [default: eval/thresholds.json].",
)
@click.option(
    "--compare-backend",
    type=click.Choice(["torch", "onnx-int8"]),
    help="Also score docqa with this embedding backend, on an index of its own.",
)
@common
@click.pass_obj
def eval_command(
    settings: Settings,
    questions: tuple[Path, ...],
    corpus_dirs: tuple[Path, ...],
    out: Path | None,
    baselines: bool,
    split: str,
    thresholds: Path | None,
    compare_backend: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Score docqa and the baselines on question sets; write a results folder."""
    from eval.run import EvalOptions, run_eval

    options = EvalOptions(
        questions=questions,
        corpus_dirs=corpus_dirs,
        out_dir=out,
        baselines=baselines,
        split=split,
        thresholds=thresholds,
        compare_backend=compare_backend,
    )
    progress = TqdmProgress(quiet)
    result = run_eval(settings, options, progress=progress)
    progress.close()
    emit(result.summary, as_json, result.table)
    if not quiet:
        click.echo(f"Results in {result.run_dir}", err=True)
    if result.failures:
        raise click.ClickException("thresholds not met: " + "; ".join(result.failures))


@cli.command()
@click.option(
    "--export",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the thumbs-down answers here as draft questions (JSON Lines).",
)
@common
@click.pass_obj
def feedback(settings: Settings, out: Path, as_json: bool, quiet: bool) -> None:
    """Turn thumbs-down answers from the app into draft evaluation questions to review."""
    from app.feedback import feedback_path
    from eval.feedback import export_drafts

    source = feedback_path(settings)
    count = export_drafts(source, out)
    emit(
        {"drafts": count, "file": str(out), "feedback": str(source)},
        as_json,
        f"{count} draft question(s) from {source} written to {out}: set 'answerable', the "
        "expected pages and facts of each, delete 'review', then add them to a questions file.",
    )


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="Port on 127.0.0.1 to listen on.",
)
@click.pass_obj
def serve(settings: Settings, port: int) -> None:
    """Open the browser app on http://127.0.0.1:PORT (Streamlit; settings pass through)."""
    from app.serve import serve as run_streamlit

    run_streamlit(settings, port)


@cli.command()
@click.option(
    "--questions",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Questions file (default: eval/tune.jsonl; never the test file).",
)
@common
@click.pass_obj
def tune(settings: Settings, questions: Path | None, as_json: bool, quiet: bool) -> None:
    """Fit the fusion weights on the tuning file (refusal is fitted by `docqa calibrate`)."""
    from eval.tune import run_tune, summary

    progress = TqdmProgress(quiet)
    result = run_tune(settings, questions, progress)
    progress.close()
    emit(result, as_json, summary(result))


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the refusal model [default: data/calibration.json].",
)
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the sampling.")
@common
@click.pass_obj
def calibrate(settings: Settings, out: Path | None, seed: int, as_json: bool, quiet: bool) -> None:
    """Fit the refusal model on pseudo-questions made from the pages and their neighbours."""
    from app.engine import Engine
    from eval.calibrate import calibrate as fit_calibration

    target = out or settings.data_dir / "calibration.json"
    progress = TqdmProgress(quiet)
    result = fit_calibration(Engine(settings), settings.neighbours_path, seed, progress)
    result.save(target)
    progress.close()
    lines = [f"{name}: {figures}" for name, figures in result.about["pseudo_questions"].items()]
    emit(
        result,
        as_json,
        "\n".join(lines) + f"\nWritten to {target}; use it with DOCQA_CALIBRATION={target} "
        "(the shipped model is app/calibration.json).",
    )


@cli.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of pages to measure on (default: the fetched corpus).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for bench.json and bench.md [default: data/bench/<timestamp>].",
)
@click.option(
    "--queries",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Warm queries to time, the evaluation questions repeated.",
)
@common
@click.pass_obj
def bench(
    settings: Settings,
    corpus_dir: Path | None,
    out: Path | None,
    queries: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure ingest speed, query latency, cold start and peak memory in one run."""
    import shlex

    from eval.bench import BenchOptions, run_bench

    words = ["docqa", "bench", "--queries", str(queries)]
    words += ["--corpus", str(corpus_dir)] if corpus_dir else []
    words += ["--out", str(out)] if out else []
    command = shlex.join(words)
    options = BenchOptions(corpus=corpus_dir, out_dir=out, queries=queries, command=command)
    progress = TqdmProgress(quiet)
    result = run_bench(settings, options, progress)
    progress.close()
    emit(result.data, as_json, result.table)
    if not quiet:
        click.echo(f"Results in {result.out_dir}", err=True)


def main() -> None:
    """Entry point of the `docqa` command."""
    cli(prog_name="docqa")
