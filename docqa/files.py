"""Files written whole or not at all, for every stage: a reader (another process, the app)
sees the old file or the new one, never part of one.

Each write goes to a new temporary file beside the target, which then replaces it with one
`os.replace`. The temporary file gets a fresh random name (never an existing name, which
could be a planted link) and the usual permissions (umask). Nothing is fsynced, as none of
the writes these replaced were: this guards readers and interrupted writers (`kill -9`), not
power loss.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a whole file at once (a str as UTF-8)."""
    with open_atomic(path) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through, for writers that stream (`np.save`); it
    replaces `path` when the block ends, and is removed if the block fails."""
    fd, tmp = _new_file_beside(path)
    with _replace_when_done(tmp, path), os.fdopen(fd, "wb") as out:
        yield out


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A new empty file beside `path`, for writers that take a file name (an ONNX export);
    it replaces `path` when the block ends, and is removed if the block fails."""
    fd, tmp = _new_file_beside(path)
    os.close(fd)
    with _replace_when_done(tmp, path):
        yield tmp


def _new_file_beside(path: Path) -> tuple[int, Path]:
    while True:
        # Hidden, and ending as the target does: some writers read the format from it.
        tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
        with contextlib.suppress(FileExistsError):  # O_EXCL: never open what is there
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp


@contextmanager
def _replace_when_done(tmp: Path, path: Path) -> Iterator[None]:
    try:
        yield
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
