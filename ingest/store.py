"""The Chroma index: one client factory, builds made aside and switched to atomically."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docqa.files import write_atomic

# Re-exported: callers import the index's errors and records from here.
from ingest.buildinfo import BUILD_ID
from ingest.buildinfo import IndexDamagedError as IndexDamagedError
from ingest.buildinfo import IndexInfo as IndexInfo
from ingest.buildinfo import IndexMismatchError as IndexMismatchError
from ingest.buildinfo import IndexStateError as IndexStateError
from ingest.buildinfo import IndexUnavailableError as IndexUnavailableError
from ingest.buildinfo import NoIndexError as NoIndexError
from ingest.buildinfo import ServerUnreachableError as ServerUnreachableError
from ingest.chroma import chroma_settings, is_connection_error

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings

POINTER = "CURRENT.json"
EMBEDDED_COLLECTION = "chunks"


class IndexStore:
    """Builds live in their own folders (embedded) or collections (server); a pointer names
    the active one, so readers never see a half-built index."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.index_path
        self.name = settings.collection
        self.url = settings.chroma_url
        self.model = settings.embedding_id
        self._server: ClientAPI | None = None

    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        return self.url or str(self.root)

    # -- clients -------------------------------------------------------------------------
    def _server_client(self) -> ClientAPI:
        if self._server is None:
            from urllib.parse import urlparse

            import chromadb

            parsed = urlparse(self.url or "")
            try:
                self._server = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings(),
                )
            except Exception as exc:
                raise self._unreachable(exc) from exc
        return self._server

    def _unreachable(self, exc: BaseException) -> ServerUnreachableError:
        return ServerUnreachableError(
            f"Cannot reach the Chroma server at {self.url} ({exc.__class__.__name__}: {exc}). "
            "Start it (chroma run --path DIR --host 127.0.0.1 --port PORT) or unset "
            "DOCQA_CHROMA_URL to use the embedded index."
        )

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a lost Chroma server, met at any call, into ServerUnreachableError."""
        try:
            yield
        except IndexStateError:
            raise
        except Exception as exc:
            if self.url and is_connection_error(exc):
                raise self._unreachable(exc) from exc
            raise

    def build_dir(self, build_id: str) -> Path:
        """Folder of an embedded build."""
        return self.root / "builds" / build_id

    def lexical_dir(self, build_id: str) -> Path:
        """Folder of a build's BM25 index (kept locally even in server mode)."""
        if self.url:
            return self.root / "lexical" / build_id
        return self.build_dir(build_id) / "lexical"

    def client(self, build_id: str) -> ClientAPI:
        """A Chroma client that holds the given build."""
        if self.url:
            return self._server_client()
        import chromadb

        return chromadb.PersistentClient(
            path=str(self.build_dir(build_id)), settings=chroma_settings()
        )

    def collection_name(self, build_id: str) -> str:
        """Name of a build's collection."""
        return f"{self.name}-{build_id}" if self.url else EMBEDDED_COLLECTION

    # -- pointer -------------------------------------------------------------------------
    def current_id(self) -> str | None:
        """Id of the active build, or None when nothing was built yet."""
        if self.url:
            build = self._server_pointer()
            where = f"pointer collection {self.name}-current"
        else:
            path = self.root / POINTER
            if not path.is_file():
                return None
            try:
                build = json.loads(path.read_text(encoding="utf-8"))["build"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                raise self._damaged(f"{path} is unreadable") from exc
            where = str(path)
        if build is None:
            return None
        if not isinstance(build, str) or not BUILD_ID.fullmatch(build):
            raise self._damaged(f"{where} names no valid build: {str(build)[:60]!r}")
        return build

    def _server_pointer(self) -> Any:
        from chromadb.errors import NotFoundError

        with self.guard():
            try:
                pointer = self._server_client().get_collection(f"{self.name}-current")
            except NotFoundError:
                return None
        return (pointer.metadata or {}).get("build")

    def _damaged(self, what: str) -> IndexDamagedError:
        return IndexDamagedError(
            f"The index at {self.location} is damaged ({what}). Rebuild it: docqa ingest --rebuild"
        )

    def publish(self, build_id: str) -> None:
        """Make a finished build the active one, atomically."""
        if self.url:
            with self.guard():
                pointer = self._server_client().get_or_create_collection(f"{self.name}-current")
                pointer.modify(metadata={"build": build_id})
            return
        write_atomic(self.root / POINTER, json.dumps({"build": build_id}))

    # -- builds --------------------------------------------------------------------------
    def create(self, build_id: str) -> Collection:
        """An empty collection for a new build (cosine space)."""
        if not self.url:
            self.build_dir(build_id).mkdir(parents=True, exist_ok=False)
        with self.guard():
            return self.client(build_id).create_collection(
                self.collection_name(build_id),
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"docqa_model": self.model},
                embedding_function=None,
            )

    def open(self, build_id: str) -> Collection:
        """The collection of an existing build."""
        self.check_present(build_id)
        try:
            return self.client(build_id).get_collection(
                self.collection_name(build_id), embedding_function=None
            )
        except IndexUnavailableError:
            raise
        except Exception as exc:
            if self.url and is_connection_error(exc):
                raise self._unreachable(exc) from exc
            raise self._damaged(f"{exc.__class__.__name__}: {exc}") from exc

    def info(self) -> IndexInfo | None:
        """What built the active index, or None when there is none."""
        build_id = self.current_id()
        if build_id is None:
            return None
        try:
            return IndexInfo.from_metadata(build_id, dict(self.open(build_id).metadata or {}))
        except (ValueError, TypeError) as exc:
            raise self._damaged(f"unreadable build metadata ({exc})") from exc

    def require_current(self) -> str:
        """Id of the active build; NoIndexError when nothing was built yet."""
        build_id = self.current_id()
        if build_id is None:
            raise NoIndexError(
                f"No index at {self.location} yet. Build it: docqa ingest (or make run)."
            )
        return build_id

    def check_present(self, build_id: str) -> None:
        """An embedded build's Chroma database is there and is one (a cheap check: its
        first bytes; no client opened)."""
        if self.url:
            return
        database = self.build_dir(build_id) / "chroma.sqlite3"
        if not database.is_file():
            raise self._damaged(f"build folder {self.build_dir(build_id)} is missing")
        with database.open("rb") as head:
            if head.read(16) != b"SQLite format 3\x00":
                raise self._damaged(f"{database} is not a database")

    def check_model(self, info: IndexInfo, model: str | None = None) -> None:
        """Refuse an index made by another model than docqa is set to use."""
        wanted = model or self.model
        if info.model != wanted:
            raise IndexMismatchError(
                f"The index at {self.location} was built with the embedding model "
                f"'{info.model}', but docqa is set to use '{wanted}'. Rebuild it with "
                f"`docqa ingest --rebuild`, or set DOCQA_EMBED_MODEL={info.model}."
            )

    def open_current(self, model: str | None = None) -> tuple[IndexInfo, Collection]:
        """The active build for reading; refuses an index made by another model."""
        build_id = self.require_current()
        collection = self.open(build_id)
        try:
            info = IndexInfo.from_metadata(build_id, dict(collection.metadata or {}))
        except (ValueError, TypeError) as exc:
            raise self._damaged(f"unreadable build metadata ({exc})") from exc
        self.check_model(info, model)
        return info, collection

    def max_batch(self, collection: Collection) -> int:
        """Largest write Chroma accepts in one call."""
        return int(collection._client.get_max_batch_size())

    def builds(self) -> list[str]:
        """Every build present, active or not."""
        if self.url:
            prefix = f"{self.name}-"
            with self.guard():
                names = [c.name for c in self._server_client().list_collections()]
            found = (n[len(prefix) :] for n in names if n.startswith(prefix))
            return sorted(b for b in found if BUILD_ID.fullmatch(b))
        folder = self.root / "builds"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def drop(self, build_id: str) -> None:
        """Delete a build."""
        if self.url:
            shutil.rmtree(self.lexical_dir(build_id), ignore_errors=True)
            with self.guard():
                self._server_client().delete_collection(self.collection_name(build_id))
        else:
            shutil.rmtree(self.build_dir(build_id), ignore_errors=True)

    def prune(self, keep: int = 1) -> list[str]:
        """Drop builds other than the active one and the `keep` newest before it."""
        current = self.current_id()
        others = [b for b in self.builds() if b != current]
        older = [b for b in others if current is None or b < current][-keep:] if keep else []
        dropped = [b for b in others if b not in older]
        for build_id in dropped:
            self.drop(build_id)
        if self.url and (self.root / "lexical").is_dir():
            # BM25 folders of server builds that are gone (dropped from another machine).
            kept = {current, *older}
            for folder in (self.root / "lexical").iterdir():
                if folder.name not in kept:
                    shutil.rmtree(folder, ignore_errors=True)
        return dropped

    def drop_quietly(self, build_id: str) -> None:
        """Delete a half-made build if possible (the next ingest prunes it otherwise)."""
        with suppress(Exception):
            self.drop(build_id)
