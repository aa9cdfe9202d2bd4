"""The ingest lock: one writer per index folder (local even when the index is on a server)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from docqa.errors import DocqaError, PathError
from ingest.store import IndexStore


class IngestBusyError(DocqaError):
    """Another ingest holds the lock."""


@contextmanager
def ingest_lock(store: IndexStore) -> Iterator[None]:
    """Hold the index folder's lock for one write, or fail at once if another writer has it."""
    try:
        store.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise PathError(f"Cannot create the index folder {store.root}: {reason}") from exc
    lock = FileLock(str(store.root / "ingest.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestBusyError(
            f"Another ingest is already running on {store.location} "
            f"(lock {lock.lock_file}). Wait for it to finish, then run this again."
        ) from exc
    try:
        yield
    finally:
        lock.release()
