"""The Chroma index behind one interface: builds made aside and switched to atomically.

Builds live in their own folders (`EmbeddedStore`, ingest/store_embedded.py) or collections
on a Chroma server (`ServerStore`, ingest/store_server.py); a pointer names the active one,
so readers never see a half-built index. `open_store(settings)` picks the store the
settings name. What does not depend on where builds live is written once, here: reading
the pointer, pruning, the model check, and the messages that say how to fix an index.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Re-exported: callers import the index's errors and records from here.
from ingest.buildinfo import BUILD_ID
from ingest.buildinfo import IndexDamagedError as IndexDamagedError
from ingest.buildinfo import IndexInfo as IndexInfo
from ingest.buildinfo import IndexMismatchError as IndexMismatchError
from ingest.buildinfo import IndexStateError as IndexStateError
from ingest.buildinfo import IndexUnavailableError as IndexUnavailableError
from ingest.buildinfo import NoIndexError as NoIndexError
from ingest.buildinfo import ServerUnreachableError as ServerUnreachableError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings

# The folder of a build's files for readers, and its name in builds made before.
READING, OLD_READING = "reading", "lexical"


def open_store(settings: Settings) -> IndexStore:
    """The index the settings name: on the Chroma server at `chroma_url`, else embedded."""
    if settings.chroma_url:
        from ingest.store_server import ServerStore

        return ServerStore(settings)
    from ingest.store_embedded import EmbeddedStore

    return EmbeddedStore(settings)


class IndexStore(ABC):
    """Where builds live and which one is active; what ingest writes beside a build stays
    in a local folder under `root` either way."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.index_path
        self.name = settings.collection
        self.model = settings.embedding_id

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the index lives, for messages."""

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a lost Chroma server, met at any call, into ServerUnreachableError (an
        embedded index has no server to lose)."""
        yield

    def reading_dir(self, build_id: str) -> Path:
        """Folder of what the answer path reads without opening Chroma: the chunks, their
        BM25 index and IDF table, the answer units and their vectors, the neighbour headings
        and the build's record (kept locally even in server mode). Named for that use: it
        holds far more than the BM25 index it was once named for (`lexical/`), and a build
        made then is read from that folder."""
        new, old = self._side_dir(build_id, READING), self._side_dir(build_id, OLD_READING)
        return old if old.is_dir() and not new.exists() else new

    @abstractmethod
    def _side_dir(self, build_id: str, name: str) -> Path:
        """The local folder of a build named `name` (READING, or OLD_READING)."""

    @abstractmethod
    def client(self, build_id: str) -> ClientAPI:
        """A Chroma client that holds the given build."""

    @abstractmethod
    def collection_name(self, build_id: str) -> str:
        """Name of a build's collection."""

    @abstractmethod
    def builds(self) -> list[str]:
        """Every build present, active or not."""

    @abstractmethod
    def drop(self, build_id: str) -> None:
        """Delete a build."""

    @abstractmethod
    def publish(self, build_id: str) -> None:
        """Make a finished build the active one, atomically."""

    @abstractmethod
    def _pointer(self) -> tuple[Any, str]:
        """What the pointer names (None: nothing built yet), and where it is, for messages."""

    @abstractmethod
    def check_present(self, build_id: str) -> None:
        """Cheap checks that a build is there, made before a client opens it."""

    @abstractmethod
    def _drop_strays(self, kept: set[str | None]) -> None:
        """Remove what is left locally of builds other than `kept`."""

    # -- pointer -------------------------------------------------------------------------
    def current_id(self) -> str | None:
        """Id of the active build, or None when nothing was built yet."""
        build, where = self._pointer()
        if build is None:
            return None
        if not isinstance(build, str) or not BUILD_ID.fullmatch(build):
            raise self._damaged(f"{where} names no valid build: {str(build)[:60]!r}")
        return build

    def require_current(self) -> str:
        """Id of the active build; NoIndexError when nothing was built yet."""
        build_id = self.current_id()
        if build_id is None:
            raise NoIndexError(
                f"No index at {self.location} yet. Build it: docqa ingest (or make run)."
            )
        return build_id

    def _damaged(self, what: str) -> IndexDamagedError:
        return IndexDamagedError(
            f"The index at {self.location} is damaged ({what}). Rebuild it: docqa ingest --rebuild"
        )

    # -- builds --------------------------------------------------------------------------
    def create(self, build_id: str) -> Collection:
        """An empty collection for a new build (cosine space)."""
        with self.guard():
            return self.client(build_id).create_collection(
                self.collection_name(build_id),
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"docqa_model": self.model},
                embedding_function=None,
            )

    def open(self, build_id: str) -> Collection:
        """The collection of an existing build. What Chroma reports wrong with it (a
        collection gone, a malformed database) is damage; anything else is a bug."""
        from chromadb.errors import ChromaError

        self.check_present(build_id)
        with self.guard():
            try:
                return self.client(build_id).get_collection(
                    self.collection_name(build_id), embedding_function=None
                )
            except ChromaError as exc:
                raise self._damaged(f"{exc.__class__.__name__}: {exc}") from exc

    def info(self) -> IndexInfo | None:
        """What built the active index, or None when there is none: read from the files
        saved beside the build when they are there (no Chroma client is opened, which the
        app does at every rerun), else from the build's collection."""
        from ingest.build import saved_info

        build_id = self.current_id()
        if build_id is None:
            return None
        self.check_present(build_id)
        saved = saved_info(self.reading_dir(build_id))
        if saved is not None and saved.build_id == build_id:
            return saved
        return self._read_info(build_id, self.open(build_id))

    def open_current(self, model: str | None = None) -> tuple[IndexInfo, Collection]:
        """The active build for reading; refuses an index made by another model."""
        build_id = self.require_current()
        collection = self.open(build_id)
        info = self._read_info(build_id, collection)
        self.check_model(info, model)
        return info, collection

    def _read_info(self, build_id: str, collection: Collection) -> IndexInfo:
        try:
            return IndexInfo.from_metadata(build_id, dict(collection.metadata or {}))
        except (ValueError, TypeError) as exc:
            raise self._damaged(f"unreadable build metadata ({exc})") from exc

    def check_model(self, info: IndexInfo, model: str | None = None) -> None:
        """Refuse an index made by another model than docqa is set to use."""
        wanted = model or self.model
        if info.model != wanted:
            raise IndexMismatchError(
                f"The index at {self.location} was built with the embedding model "
                f"'{info.model}', but docqa is set to use '{wanted}'. Rebuild it with "
                f"`docqa ingest --rebuild`, or set DOCQA_EMBED_MODEL={info.model}."
            )

    def max_batch(self, collection: Collection) -> int:
        """Largest write Chroma accepts in one call."""
        return int(collection._client.get_max_batch_size())

    def prune(self, keep: int = 1) -> list[str]:
        """Drop builds other than the active one and the `keep` newest before it."""
        current = self.current_id()
        others = [b for b in self.builds() if b != current]
        older = [b for b in others if current is None or b < current][-keep:] if keep else []
        dropped = [b for b in others if b not in older]
        for build_id in dropped:
            self.drop(build_id)
        self._drop_strays({current, *older})
        return dropped

    def drop_quietly(self, build_id: str) -> None:
        """Delete a half-made build if possible (the next ingest prunes it otherwise)."""
        with suppress(Exception):
            self.drop(build_id)
