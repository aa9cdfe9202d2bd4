"""Data flows one way: corpus → ingest → app → eval; only docqa.cli knows every stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["corpus", "ingest", "app", "eval"]


def imported_packages(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found.update((str(path.relative_to(ROOT)), n.split(".")[0]) for n in names)
    return found


@pytest.mark.parametrize("package", ORDER)
def test_no_module_reaches_back_up_the_chain(package: str) -> None:
    later = set(ORDER[ORDER.index(package) + 1 :]) | {"docqa"}
    allowed_docqa = {"docqa"}  # docqa.settings is shared; docqa.cli must not be imported
    bad = [
        (path, name)
        for path, name in imported_packages(package)
        if name in later and name not in allowed_docqa
    ]
    assert not bad, bad


@pytest.mark.parametrize("package", ORDER)
def test_stages_do_not_import_the_cli(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        assert "docqa.cli" not in path.read_text(), path
