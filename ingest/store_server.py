"""The index on a Chroma server: each build is a collection `<collection>-<build id>`, and
the collection `<collection>-current` names the active one in its metadata. What ingest
saves beside a build stays local, in a folder per build under the index folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.buildinfo import BUILD_ID
from ingest.chroma import chroma_settings, is_connection_error
from ingest.store import (
    OLD_READING,
    READING,
    IndexStateError,
    IndexStore,
    ServerUnreachableError,
)

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from docqa.settings import Settings


class ServerStore(IndexStore):
    """Builds in collections of one Chroma server, reached through one client."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.url = settings.chroma_url or ""
        self._client: ClientAPI | None = None

    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        return self.url

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a lost Chroma server, met at any call, into ServerUnreachableError; any
        other exception goes on as it is (a bug stays a bug)."""
        try:
            yield
        except IndexStateError:
            raise
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            raise ServerUnreachableError(
                f"Cannot reach the Chroma server at {self.url} ({exc.__class__.__name__}: "
                f"{exc}). Start it (chroma run --path DIR --host 127.0.0.1 --port PORT) or "
                "unset DOCQA_CHROMA_URL to use the embedded index."
            ) from exc

    def _side_dir(self, build_id: str, name: str) -> Path:
        """In the local index folder, one folder per build (the server holds no files)."""
        return self.root / name / build_id

    def client(self, build_id: str = "") -> ClientAPI:
        """The client of the server, which holds every build (made on first use)."""
        if self._client is None:
            from urllib.parse import urlparse

            import chromadb

            parsed = urlparse(self.url)
            with self.guard():  # the client asks the server for its tenant at once
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings(),
                )
        return self._client

    def collection_name(self, build_id: str) -> str:
        """Name of a build's collection."""
        return f"{self.name}-{build_id}"

    @property
    def _pointer_name(self) -> str:
        return f"{self.name}-current"

    def _pointer(self) -> tuple[Any, str]:
        from chromadb.errors import NotFoundError

        where = f"pointer collection {self._pointer_name}"
        with self.guard():
            try:
                pointer = self.client().get_collection(self._pointer_name)
            except NotFoundError:
                return None, where
        return (pointer.metadata or {}).get("build"), where

    def check_present(self, build_id: str) -> None:
        """Nothing to check before asking the server (it says if the collection is gone)."""

    def publish(self, build_id: str) -> None:
        """Make a finished build the active one, atomically."""
        with self.guard():
            pointer = self.client().get_or_create_collection(self._pointer_name)
            pointer.modify(metadata={"build": build_id})

    def builds(self) -> list[str]:
        """Every build present, active or not."""
        prefix = f"{self.name}-"
        with self.guard():
            names = [c.name for c in self.client().list_collections()]
        found = (n[len(prefix) :] for n in names if n.startswith(prefix))
        return sorted(b for b in found if BUILD_ID.fullmatch(b))

    def drop(self, build_id: str) -> None:
        """Delete a build: its collection, and what this machine saved beside it."""
        for name in (READING, OLD_READING):
            shutil.rmtree(self._side_dir(build_id, name), ignore_errors=True)
        with self.guard():
            self.client().delete_collection(self.collection_name(build_id))

    def _drop_strays(self, kept: set[str | None]) -> None:
        """Folders saved beside server builds that are gone (dropped from another machine)."""
        for folder in (self.root / READING, self.root / OLD_READING):
            for stray in folder.iterdir() if folder.is_dir() else ():
                if stray.name not in kept:
                    shutil.rmtree(stray, ignore_errors=True)
