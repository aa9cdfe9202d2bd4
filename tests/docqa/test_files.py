"""Files written whole or not at all: the new file replaces the old at once, a failed write
leaves the old one and no temporary file, a link at the target is replaced, not followed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from docqa.files import atomic_path, open_atomic, write_atomic


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_atomic_writes_bytes_and_text_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "pointer.json"
    write_atomic(target, b"old")
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert names(tmp_path) == ["pointer.json"]


def test_open_atomic_streams_a_writer(tmp_path: Path) -> None:
    target = tmp_path / "vectors.npy"
    with open_atomic(target) as out:
        np.save(out, np.arange(3, dtype=np.float32))
    assert np.array_equal(np.load(target), [0.0, 1.0, 2.0])
    assert names(tmp_path) == ["vectors.npy"]


@pytest.mark.parametrize("how", ["stream", "path"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path, how: str) -> None:
    target = tmp_path / "units.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="half-way"):
        if how == "stream":
            with open_atomic(target) as out:
                out.write(b"half")
                raise RuntimeError("half-way")
        else:
            with atomic_path(target) as tmp:
                tmp.write_text("half")
                raise RuntimeError("half-way")
    assert target.read_text() == "old"
    assert names(tmp_path) == ["units.json"]


def test_atomic_path_is_a_new_hidden_file_beside_the_target_with_its_suffix(
    tmp_path: Path,
) -> None:
    target = tmp_path / "model.onnx"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.suffix == ".onnx"
        assert tmp.is_file() and not target.exists()
        tmp.write_bytes(b"model")
    assert target.read_bytes() == b"model" and names(tmp_path) == ["model.onnx"]


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("keep")
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "page.md").symlink_to(secret)
    write_atomic(folder / "page.md", "page")
    assert secret.read_text() == "keep"
    assert not (folder / "page.md").is_symlink() and (folder / "page.md").read_text() == "page"


def test_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "info.json", "{}")
    finally:
        os.umask(old)
    assert (tmp_path / "info.json").stat().st_mode & 0o777 == 0o644
