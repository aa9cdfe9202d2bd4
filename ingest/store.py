"""The Chroma index: one client factory, builds made aside and switched to atomically."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings

POINTER = "CURRENT.json"
EMBEDDED_COLLECTION = "chunks"


class IndexError_(Exception):
    """A problem with the index; the message says how to fix it."""


class NoIndexError(IndexError_):
    """No index has been built yet."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model."""


class IndexUnavailableError(IndexError_):
    """The index cannot be read: folder damaged or Chroma server unreachable."""


@dataclass(frozen=True)
class IndexInfo:
    """What built the active index."""

    build_id: str
    model: str
    chunker: str
    corpus_checksum: str
    built_at: str
    source: str
    pages: int
    chunks: int
    files: dict[str, str] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, str | int]:
        """Collection metadata recording this build."""
        return {
            "docqa_model": self.model,
            "docqa_chunker": self.chunker,
            "docqa_corpus_checksum": self.corpus_checksum,
            "docqa_built_at": self.built_at,
            "docqa_source": self.source,
            "docqa_pages": self.pages,
            "docqa_chunks": self.chunks,
            "docqa_files": json.dumps(self.files, sort_keys=True),
        }

    @classmethod
    def from_metadata(cls, build_id: str, meta: dict[str, Any]) -> IndexInfo:
        """Read back what `to_metadata` wrote."""
        return cls(
            build_id=build_id,
            model=str(meta.get("docqa_model", "")),
            chunker=str(meta.get("docqa_chunker", "")),
            corpus_checksum=str(meta.get("docqa_corpus_checksum", "")),
            built_at=str(meta.get("docqa_built_at", "")),
            source=str(meta.get("docqa_source", "")),
            pages=int(meta.get("docqa_pages", 0)),
            chunks=int(meta.get("docqa_chunks", 0)),
            files=json.loads(str(meta.get("docqa_files", "{}"))),
        )


def chroma_settings() -> Any:
    """Chroma client settings: telemetry off."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def new_build_id() -> str:
    """A sortable, unique build id."""
    now = time.time_ns()
    stamp = time.strftime("b%Y%m%d-%H%M%S", time.gmtime(now / 1e9))
    return f"{stamp}-{now // 1000 % 1_000_000:06d}-{secrets.token_hex(2)}"


class IndexStore:
    """Builds live in their own folders (embedded) or collections (server); a pointer names
    the active one, so readers never see a half-built index."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.index_path
        self.name = settings.collection
        self.url = settings.chroma_url
        self.model = settings.embed_model
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
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings(),
                )
            except Exception as exc:
                raise self._unreachable(exc) from exc
        return self._server

    def _unreachable(self, exc: Exception) -> IndexUnavailableError:
        return IndexUnavailableError(
            f"Cannot reach the Chroma server at {self.url} ({exc.__class__.__name__}). "
            f"Start it (chroma run --path DIR --host 127.0.0.1) or unset DOCQA_CHROMA_URL."
        )

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
            try:
                pointer = self._server_client().get_or_create_collection(f"{self.name}-current")
            except Exception as exc:
                raise self._unreachable(exc) from exc
            build = (pointer.metadata or {}).get("build")
            return str(build) if build else None
        path = self.root / POINTER
        if not path.is_file():
            return None
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["build"])
        except (ValueError, KeyError) as exc:
            raise self._damaged(f"{path} is unreadable") from exc

    def _damaged(self, what: str) -> IndexUnavailableError:
        return IndexUnavailableError(
            f"The index at {self.location} is damaged ({what}). Rebuild it: docqa ingest --rebuild"
        )

    def publish(self, build_id: str) -> None:
        """Make a finished build the active one, atomically."""
        if self.url:
            pointer = self._server_client().get_or_create_collection(f"{self.name}-current")
            pointer.modify(metadata={"build": build_id})
            return
        tmp = self.root / f".{POINTER}.{os.getpid()}"
        tmp.write_text(json.dumps({"build": build_id}), encoding="utf-8")
        os.replace(tmp, self.root / POINTER)

    # -- builds --------------------------------------------------------------------------
    def create(self, build_id: str) -> Collection:
        """An empty collection for a new build (cosine space)."""
        if not self.url:
            self.build_dir(build_id).mkdir(parents=True, exist_ok=False)
        return self.client(build_id).create_collection(
            self.collection_name(build_id),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"docqa_model": self.model},
            embedding_function=None,
        )

    def open(self, build_id: str) -> Collection:
        """The collection of an existing build."""
        if not self.url and not (self.build_dir(build_id) / "chroma.sqlite3").is_file():
            raise self._damaged(f"build folder {self.build_dir(build_id)} is missing")
        try:
            return self.client(build_id).get_collection(
                self.collection_name(build_id), embedding_function=None
            )
        except IndexUnavailableError:
            raise
        except Exception as exc:
            if self.url:
                raise self._unreachable(exc) from exc
            raise self._damaged(f"{exc.__class__.__name__}: {exc}") from exc

    def info(self) -> IndexInfo | None:
        """What built the active index, or None when there is none."""
        build_id = self.current_id()
        if build_id is None:
            return None
        return IndexInfo.from_metadata(build_id, dict(self.open(build_id).metadata or {}))

    def open_current(self, model: str | None = None) -> tuple[IndexInfo, Collection]:
        """The active build for reading; refuses an index made by another model."""
        build_id = self.current_id()
        if build_id is None:
            raise NoIndexError(
                f"No index at {self.location} yet. Build it: docqa ingest (or make run)."
            )
        collection = self.open(build_id)
        info = IndexInfo.from_metadata(build_id, dict(collection.metadata or {}))
        wanted = model or self.model
        if info.model != wanted:
            raise IndexMismatchError(
                f"The index at {self.location} was built with the embedding model "
                f"'{info.model}', but docqa is set to use '{wanted}'. Rebuild it with "
                f"`docqa ingest --rebuild`, or set DOCQA_EMBED_MODEL={info.model}."
            )
        return info, collection

    def max_batch(self, collection: Collection) -> int:
        """Largest write Chroma accepts in one call."""
        return int(collection._client.get_max_batch_size())

    def builds(self) -> list[str]:
        """Every build present, active or not."""
        if self.url:
            prefix = f"{self.name}-b"
            names = [c.name for c in self._server_client().list_collections()]
            return sorted(n[len(self.name) + 1 :] for n in names if n.startswith(prefix))
        folder = self.root / "builds"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def drop(self, build_id: str) -> None:
        """Delete a build."""
        if self.url:
            shutil.rmtree(self.lexical_dir(build_id), ignore_errors=True)
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
        return dropped
