"""Data flows one way: corpus → ingest → app → eval; only docqa.cli knows every stage.

Each contract between stages has one owner: only ingest knows the layout of an index build,
only eval knows the layout of an evaluation run folder.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["corpus", "ingest", "app", "eval"]
# The UI is the top-level shell, like docqa.cli: its Evaluation page shows run folders and
# starts `docqa eval`, through eval's own reader of those folders, and through nothing else.
SHELL_IMPORTS = {
    ("app/ui/evaluation.py", "eval.results"),
    ("app/evalrun.py", "eval.results"),
}
# What an index build is made of on disk (ingest/store*.py, build.py, lexical.py, units.py,
# neighbour_headings.py, locking.py): its folders, as the string literals that name them, and files;
# and the ways to reach a build's folders.
BUILD_FILES = (
    '"builds"',
    '"reading"',
    "CURRENT.json",
    "chroma.sqlite3",
    "chunks.jsonl",
    "idf.json",
    "info.json",
    "ids.json",
    "units.npy",
    "units.npz",
    "units.json",
    "neighbours.npz",
    "headings.npz",
    "ingest.lock",
)
BUILD_PATHS = ("index_path", "build_dir(", "reading_dir(")
# What eval/results.py writes in a run folder.
RUN_FILES = ("config.json", "results.jsonl", "summary.json", "report.md")


def sources(package: str) -> dict[str, str]:
    """Every module of a package: its path (from the repository root) and its text."""
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _targets(node: ast.AST) -> list[str]:
    """Modules an import statement imports (`from eval import results` imports eval.results)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
        return []
    folder = ROOT / node.module.replace(".", "/")
    return [
        f"{node.module}.{alias.name}" if (folder / f"{alias.name}.py").is_file() else node.module
        for alias in node.names
    ]


def imported_modules(package: str) -> set[tuple[str, str]]:
    return {
        (path, target)
        for path, text in sources(package).items()
        for node in ast.walk(ast.parse(text))
        for target in _targets(node)
    }


@pytest.mark.parametrize("package", ORDER)
def test_no_module_reaches_back_up_the_chain(package: str) -> None:
    later = set(ORDER[ORDER.index(package) + 1 :])  # docqa.settings is shared by all
    bad = [
        (path, module)
        for path, module in imported_modules(package)
        if module.split(".")[0] in later and (path, module) not in SHELL_IMPORTS
    ]
    assert not bad, bad


def test_the_shell_allowances_are_still_needed() -> None:
    assert imported_modules("app") >= SHELL_IMPORTS


@pytest.mark.parametrize("package", ORDER)
def test_stages_do_not_import_the_cli(package: str) -> None:
    for path, text in sources(package).items():
        assert "docqa.cli" not in text, path


def test_the_build_layout_is_named_in_ingest() -> None:
    text = "\n".join(sources("ingest").values())
    assert [name for name in (*BUILD_FILES, *BUILD_PATHS) if name not in text] == []


@pytest.mark.parametrize("package", ["corpus", "app"])
def test_only_ingest_opens_build_files(package: str) -> None:
    """An index is opened through ingest (ingest.build.open_build), never by its files."""
    bad = [
        (path, name)
        for path, text in sources(package).items()
        for name in (*BUILD_FILES, *BUILD_PATHS)
        if name in text
    ]
    assert not bad, bad


def test_the_run_folder_layout_is_named_in_eval_results() -> None:
    text = (ROOT / "eval" / "results.py").read_text(encoding="utf-8")
    assert [name for name in RUN_FILES if f'"{name}"' not in text] == []


@pytest.mark.parametrize("package", ["corpus", "ingest", "app", "docqa"])
def test_only_eval_reads_run_folders(package: str) -> None:
    """Outside eval, a run folder is reached through eval.results, never by its file names."""
    bad = [
        (path, name)
        for path, text in sources(package).items()
        for name in RUN_FILES
        if name in text
    ]
    assert not bad, bad


def _modules() -> dict[str, str]:
    """Every source module of the project (tests aside)."""
    return {p: t for package in (*ORDER, "docqa") for p, t in sources(package).items()}


def test_no_source_module_is_over_300_lines() -> None:
    long = {path: n for path, text in _modules().items() if (n := len(text.splitlines())) > 300}
    assert not long, long


# What re-reading Markdown looks like: the parser's library, and the ways a table row, a
# fence, a list line or a heading used to be detected by hand in text.
MARKDOWN_READING = (
    "markdown_it",
    'startswith("|")',
    'startswith(("- "',
    'r"^(- |',
    r'"^\s*(```',
    r'r"^#{1,6}',
    'endswith(":")',
)


def test_markdown_is_parsed_only_in_the_parsing_module() -> None:
    bad = [
        (path, fragment)
        for path, text in _modules().items()
        if path != "ingest/markdown.py"
        for fragment in MARKDOWN_READING
        if fragment in text
    ]
    assert not bad, bad


# How a citation marker is written or read: "[n]" made from a source's number, or a pattern
# that finds one.
MARKERS = re.compile(r"\[\{[^}]*\bn\}\]|\\\[\(?\\d\+\)?\\\]")


def test_citation_markers_are_written_and_read_in_one_module() -> None:
    bad = [
        (path, found.group(0))
        for path, text in _modules().items()
        if path != "app/markers.py"
        for found in MARKERS.finditer(text)
    ]
    assert not bad, bad
    assert MARKERS.search((ROOT / "app" / "markers.py").read_text()), "the check finds them"


def test_answer_text_is_written_only_by_the_renderers() -> None:
    """An answer is typed blocks of quotes; its text is only ever a renderer's output."""
    from dataclasses import fields

    from app.models import Answer, AnswerBlock, Quote

    assert "text" not in {f.name for f in fields(Answer)}
    assert {f.name for f in fields(AnswerBlock)} == {"kind", "quotes", "role"}
    assert "text" in {f.name for f in fields(Quote)}, "a quote holds a page's words"
    writers = {
        path
        for path, module in imported_modules("app")
        if module in ("app.markers", "app.render.plain", "app.render.markdown", "app.render.data")
    }
    allowed_writers = {
        "app/render/plain.py",
        "app/render/markdown.py",
        "app/render/data.py",
        "app/models.py",  # Answer.text and to_json delegate to the renderers
        "app/llm.py",  # reads the markers of an LLM's answer (app/markers.py)
        "app/engine.py",  # streams the rendered text's words
    }
    ui = {p for p in writers if p.startswith("app/ui/")}
    assert writers - ui <= allowed_writers, writers - ui - allowed_writers
