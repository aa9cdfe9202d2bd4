"""What an index build records about itself, and the errors that say how to fix an index."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from docqa.errors import DocqaError


class IndexStateError(DocqaError):
    """A problem with the index; the message says how to fix it."""


class NoIndexError(IndexStateError):
    """No index has been built yet."""


class IndexMismatchError(IndexStateError):
    """The index was built with another embedding model."""


class IndexUnavailableError(IndexStateError):
    """The index cannot be read: folder damaged or Chroma server unreachable."""


class IndexDamagedError(IndexUnavailableError):
    """The index is damaged: `docqa ingest --rebuild` fixes it."""


class ServerUnreachableError(IndexUnavailableError):
    """The Chroma server does not answer: start it, then try again."""


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
    # The folder of neighbouring pages whose headings the build holds ("" for none), and a
    # checksum of its pages (a page added or changed there makes the next ingest build anew).
    neighbours: str = ""
    neighbours_checksum: str = ""

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
            "docqa_neighbours": self.neighbours,
            "docqa_neighbours_checksum": self.neighbours_checksum,
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
            neighbours=str(meta.get("docqa_neighbours", "")),
            neighbours_checksum=str(meta.get("docqa_neighbours_checksum", "")),
        )


# What `new_build_id` makes; anything else in a pointer is damage (or a path trick).
BUILD_ID = re.compile(r"b\d{8}-\d{6}-\d{6}-[0-9a-f]{4}")


def new_build_id() -> str:
    """A sortable, unique build id."""
    now = time.time_ns()
    stamp = time.strftime("b%Y%m%d-%H%M%S", time.gmtime(now / 1e9))
    return f"{stamp}-{now // 1000 % 1_000_000:06d}-{secrets.token_hex(2)}"
