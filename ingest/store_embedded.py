"""The embedded index: a Chroma `PersistentClient` folder per build under `builds/`, and the
`CURRENT.json` pointer naming the active one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docqa.files import write_atomic
from ingest.chroma import chroma_settings
from ingest.store import IndexStore

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

POINTER = "CURRENT.json"
COLLECTION = "chunks"  # one collection a build: its folder tells builds apart


class EmbeddedStore(IndexStore):
    """Builds in folders of the index folder; the pointer is replaced atomically."""

    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        return str(self.root)

    def build_dir(self, build_id: str) -> Path:
        """Folder of an embedded build."""
        return self.root / "builds" / build_id

    def _side_dir(self, build_id: str, name: str) -> Path:
        """Inside the build's own folder."""
        return self.build_dir(build_id) / name

    def client(self, build_id: str) -> ClientAPI:
        """A Chroma client that holds the given build."""
        import chromadb

        return chromadb.PersistentClient(
            path=str(self.build_dir(build_id)), settings=chroma_settings()
        )

    def collection_name(self, build_id: str) -> str:
        """Name of a build's collection."""
        return COLLECTION

    def _pointer(self) -> tuple[Any, str]:
        path = self.root / POINTER
        if not path.is_file():
            return None, str(path)
        try:
            return json.loads(path.read_text(encoding="utf-8"))["build"], str(path)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise self._damaged(f"{path} is unreadable") from exc

    def publish(self, build_id: str) -> None:
        """Make a finished build the active one, atomically."""
        write_atomic(self.root / POINTER, json.dumps({"build": build_id}))

    def create(self, build_id: str) -> Collection:
        """An empty collection for a new build (cosine space), in a folder of its own."""
        self.build_dir(build_id).mkdir(parents=True, exist_ok=False)
        return super().create(build_id)

    def check_present(self, build_id: str) -> None:
        """The build's Chroma database is there and is one (a cheap check: its first
        bytes; no client opened)."""
        database = self.build_dir(build_id) / "chroma.sqlite3"
        if not database.is_file():
            raise self._damaged(f"build folder {self.build_dir(build_id)} is missing")
        with database.open("rb") as head:
            if head.read(16) != b"SQLite format 3\x00":
                raise self._damaged(f"{database} is not a database")

    def builds(self) -> list[str]:
        """Every build present, active or not."""
        folder = self.root / "builds"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def drop(self, build_id: str) -> None:
        """Delete a build (its folder holds everything of it)."""
        shutil.rmtree(self.build_dir(build_id), ignore_errors=True)

    def _drop_strays(self, kept: set[str | None]) -> None:
        """Nothing to do: a build's folder holds all of it, and `drop` removes that."""
