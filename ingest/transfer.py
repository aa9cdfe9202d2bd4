"""Copy index chunks with their embeddings: carried-over pages, and `docqa migrate`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.build import lexical_index, read_chunks
from ingest.locking import ingest_lock
from ingest.store import IndexStateError, NoIndexError, open_store
from ingest.units import UnitIndex

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings


@dataclass(frozen=True)
class MigrateReport:
    """What `docqa migrate` copied, from where to where."""

    build_id: str
    source: str
    target: str
    chunks: int
    copied: bool


def copy_chunks(
    old: Collection,
    new: Collection,
    where: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copy chunks (all, or those matching `where`) with their embeddings: no re-embedding."""
    batch = min(5000, int(new._client.get_max_batch_size()))
    total = 0
    while True:
        got = old.get(
            where=where,  # type: ignore[arg-type]
            include=["embeddings", "documents", "metadatas"],
            limit=batch,
            offset=total,
        )
        if not got["ids"]:
            return total
        new.add(
            ids=got["ids"],
            embeddings=got["embeddings"],
            documents=got["documents"],
            metadatas=got["metadatas"],
        )
        total += len(got["ids"])
        if progress is not None:
            progress(total)


def target_settings(settings: Settings, url: str) -> Settings:
    """The same settings pointed at a Chroma server (the URL is validated)."""
    from docqa.settings import validated

    return validated(**{**settings.model_dump(), "chroma_url": url})


def migrate(settings: Settings, url: str) -> MigrateReport:
    """Copy the active build to the server at `url` and activate it there (no re-embedding)."""
    source, target = open_store(settings), open_store(target_settings(settings, url))
    if source.location == target.location:  # the same server (a folder is never a URL)
        raise IndexStateError(f"The index is already at {target.location}.")
    info = source.info()
    if info is None:
        raise NoIndexError(f"No index at {source.location} to copy. Build it: docqa ingest")
    build_id = info.build_id
    with ingest_lock(target), target.guard():
        if target.current_id() == build_id:
            return MigrateReport(build_id, source.location, target.location, info.chunks, False)
        if build_id in target.builds():
            target.drop(build_id)  # left over from an interrupted copy
        try:
            new = target.create(build_id)
            with source.guard():
                chunks = copy_chunks(source.open(build_id), new)
            folder = target.reading_dir(build_id)
            lexical_index(read_chunks(new)).save(folder)
            units = UnitIndex.load(source.reading_dir(build_id))
            if units is not None:  # else the first reader embeds them
                units.save(folder)
            new.modify(metadata=info.to_metadata())
        except BaseException:
            target.drop_quietly(build_id)
            raise
        target.publish(build_id)
        target.prune()
    return MigrateReport(build_id, source.location, target.location, chunks, True)
