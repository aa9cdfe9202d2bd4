"""Data flows one way: corpus → ingest → app → eval; only docqa.cli knows every stage.

Each contract between stages has one owner: only ingest knows the layout of an index build,
only eval knows the layout of an evaluation run folder.
"""

from __future__ import annotations

import ast
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
