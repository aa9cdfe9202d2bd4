"""`docqa ingest`: incremental, locked, built aside and switched atomically."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from docqa.progress import Progress
from ingest.build import indexed, read_chunks, saved_chunks, write_extras
from ingest.buildinfo import new_build_id
from ingest.chunk import Chunker
from ingest.embed import Embedder
from ingest.locking import IngestBusyError as IngestBusyError
from ingest.locking import ingest_lock
from ingest.markdown import parse
from ingest.models import Chunk, IngestReport
from ingest.neighbour_headings import (
    Neighbours,
    check_folder,
    embed_headings,
    folder_checksum,
    neighbour_headings,
)
from ingest.plan import Plan, corpus_checksum, plan
from ingest.sources import PageFile, Scan, decode, scan
from ingest.store import IndexDamagedError, IndexInfo, IndexMismatchError, open_store
from ingest.transfer import copy_chunks
from ingest.units import Known, UnitIndex, build_units, chunk_vectors

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from docqa.settings import Settings

EmbedderFactory = Callable[[], Embedder]
GROUP_CHUNKS = 256


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


class Ingest:
    """One ingest run over one corpus folder into one index."""

    def __init__(
        self,
        settings: Settings,
        embedder: EmbedderFactory,
        corpus: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.corpus = corpus or settings.corpus_path
        self.store = open_store(settings)
        self.chunker = Chunker(
            settings.chunk_size, settings.chunk_overlap, settings.max_block_chars
        )
        self.make_embedder = embedder
        self._embedder: Embedder | None = None
        self.progress = progress or (lambda stage, done, total: None)
        self._neighbour_files: Scan | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use only."""
        if self._embedder is None:
            self.progress("loading model", 0, 1)
            self._embedder = self.make_embedder()
        return self._embedder

    def _encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Embed texts, loading the model only now."""
        return self.embedder.encode(texts)

    def run(self, rebuild: bool = False) -> IngestReport:
        """Bring the index in line with the corpus folder."""
        with ingest_lock(self.store), self.store.guard():
            return self._run_locked(rebuild)

    def _prune_first(self, rebuild: bool) -> None:
        """Drop stale builds; a rebuild goes ahead even when the pointer is damaged."""
        try:
            self.store.prune()
        except IndexDamagedError:
            if not rebuild:
                raise

    def _run_locked(self, rebuild: bool) -> IngestReport:
        start = time.perf_counter()
        check_folder(self.settings.neighbours_path)
        self._prune_first(rebuild)
        found = scan(self.corpus, self.settings.max_page_bytes)
        files = {f.source.id: f.sha256 for f in found.files}
        current = None if rebuild else self.store.info()
        if current and current.model != self.settings.embedding_id:
            raise IndexMismatchError(
                f"The index at {self.store.location} was built with '{current.model}', not "
                f"'{self.settings.embedding_id}'. Run `docqa ingest --rebuild` to rebuild it."
            )
        the_plan = plan(files, current.files if current else {})
        if current and current.chunker != self.chunker.fingerprint:
            found.warnings.append("chunking settings changed: every page is re-chunked")
            the_plan = replace(
                the_plan, changed=the_plan.changed + the_plan.unchanged, unchanged=[]
            )
        report = IngestReport(
            added=the_plan.added,
            changed=sorted(the_plan.changed),
            removed=the_plan.removed,
            unchanged=the_plan.unchanged,
            skipped=found.skipped,
            warnings=list(found.warnings),
            pages=len(files),
        )
        same_neighbours = current is not None and current.neighbours_checksum == self._checksum()
        if current and the_plan.noop and same_neighbours:
            return replace(
                report,
                chunks=current.chunks,
                build_id=current.build_id,
                seconds=time.perf_counter() - start,
            )
        build_id = new_build_id()
        try:
            built = self._build(build_id, found, the_plan, current, report)
        except BaseException:
            self.store.drop_quietly(build_id)
            raise
        self.store.publish(build_id)
        self.store.prune()
        return replace(
            report,
            chunks=built.chunks,
            embedded_chunks=built.embedded_chunks,
            embedded_units=built.embedded_units,
            neighbour_headings=built.neighbour_headings,
            embedded_headings=built.embedded_headings,
            build_id=build_id,
            seconds=time.perf_counter() - start,
        )

    def _build(
        self,
        build_id: str,
        found: Scan,
        the_plan: Plan,
        current: IndexInfo | None,
        report: IngestReport,
    ) -> IngestReport:
        collection = self.store.create(build_id)
        copied, chunks = 0, []
        if current is not None and the_plan.unchanged:
            old = self.store.open(current.build_id)
            copied = self._copy(old, collection, the_plan.unchanged)
            chunks = self._kept(current, old, the_plan.unchanged)
        known = self._reusable(current)
        todo = [f for f in found.files if f.source.id not in set(the_plan.unchanged)]
        embedded, new_units = self._embed_pages(collection, todo, report, chunks, known)
        files = {f.source.id: f.sha256 for f in found.files}
        info = IndexInfo(
            build_id=build_id,
            model=self.settings.embedding_id,
            chunker=self.chunker.fingerprint,
            corpus_checksum=corpus_checksum(files),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            source=str(self.corpus),
            pages=len(files),
            chunks=copied + embedded,
            files=files,
            neighbours=str(self.settings.neighbours_path or ""),
            neighbours_checksum=self._checksum(),
        )
        self.progress("lexical index", 0, 1)
        stored = sorted(chunks, key=lambda c: c.id)  # as they passed: nothing read back
        units, more = build_units(stored, self._encode, progress=self.progress, known=known)
        new_units += more  # those of unchanged pages that the previous build lacked
        known.clear()  # every vector is in `units` now: let the table go before BM25 is made
        folder = self.store.reading_dir(build_id)
        write_extras(folder, info, stored, units)
        neighbours, new_headings = self._neighbours(stored, found)
        if neighbours is not None:
            neighbours.save(folder)
        collection.modify(metadata=info.to_metadata())
        return IngestReport(
            chunks=copied + embedded,
            embedded_chunks=embedded,
            embedded_units=new_units,
            neighbour_headings=len(neighbours.headings) if neighbours else 0,
            embedded_headings=new_headings,
        )

    def _reusable(self, current: IndexInfo | None) -> Known:
        """The previous build's unit vectors by embedding text, to carry over unchanged."""
        if current is None:
            return {}
        folder = self.store.reading_dir(current.build_id)
        previous, chunks = UnitIndex.load(folder), saved_chunks(folder)
        if previous is None or chunks is None:
            return {}
        return previous.reusable({c.id: c for c in chunks})

    def _checksum(self) -> str:
        """What the neighbouring pages are now ("" for none), from this run's one scan."""
        found = self._neighbour_scan()
        return "" if found is None else folder_checksum(found)

    def _neighbour_scan(self) -> Scan | None:
        """The neighbouring pages' files, hashed once per run (None: no neighbours set)."""
        folder = self.settings.neighbours_path
        if self._neighbour_files is None and folder is not None:
            self._neighbour_files = scan(folder, self.settings.max_page_bytes)
        return self._neighbour_files

    def _neighbours(self, chunks: list[Chunk], found: Scan) -> tuple[Neighbours | None, int]:
        """Headings of the neighbouring pages, embedded (through the model's cache)."""
        neighbour_files = self._neighbour_scan()
        if neighbour_files is None:
            return None, 0
        self.progress("reading neighbour pages", 0, 1)
        files = {f.source.id: f.sha256 for f in found.files}
        cache = self.settings.model_cache
        pairs, _ = neighbour_headings(neighbour_files, indexed(files, chunks), cache)
        return embed_headings(pairs, self._encode, self.settings.model_cache, self.progress)

    def _copy(self, old: Collection, new: Collection, page_ids: list[str]) -> int:
        """Carry unchanged pages' chunks over with their embeddings (no re-embedding)."""

        def progress(total: int) -> None:
            self.progress("copying unchanged pages", total, total)

        return copy_chunks(old, new, {"page_id": {"$in": page_ids}}, progress)

    def _kept(self, current: IndexInfo, old: Collection, page_ids: list[str]) -> list[Chunk]:
        """The chunks of unchanged pages, as the previous build saved them."""
        saved = saved_chunks(self.store.reading_dir(current.build_id))
        pages = set(page_ids)
        return [c for c in saved or read_chunks(old) if c.page_id in pages]

    def _embed_pages(
        self,
        collection: Collection,
        todo: list[PageFile],
        report: IngestReport,
        out: list[Chunk],
        known: Known,
    ) -> tuple[int, int]:
        """Parse, chunk, embed and write pages, a group at a time; the chunks are added to
        `out` (their text only), their units' vectors to `known`. Says how many chunks were
        written and how many unit texts embedded."""
        pending: list[Chunk] = []
        written = embedded = 0
        for n, page_file in enumerate(todo, 1):
            text, _ = decode(page_file.source.path.read_bytes())
            page = parse(text, page_file.source.id, page_file.source.url, page_file.sha256)
            if not page.titled:
                report.warnings.append(f"{page_file.source.id}: no heading; title from file name")
            pending.extend(self.chunker.chunk(page))
            if len(pending) >= GROUP_CHUNKS or n == len(todo):
                embedded += self._write(collection, pending, known)
                written += len(pending)
                out.extend(pending)
                pending = []
                self.progress("embedding pages", n, len(todo))
        return written, embedded

    def _write(self, collection: Collection, chunks: list[Chunk], known: Known) -> int:
        """Embed the chunks' units and write the chunks with vectors made from them; says how
        many unit texts were embedded."""
        if not chunks:
            return 0
        vectors, embedded = chunk_vectors(chunks, known, self._encode)
        limit = self.store.max_batch(collection)
        for part in _batches(len(chunks), limit):
            group = chunks[part]
            metadatas: Any = [c.to_metadata() for c in group]
            collection.add(
                ids=[c.id for c in group],
                embeddings=vectors[part],
                documents=[c.text for c in group],
                metadatas=metadatas,
            )
        return embedded


def run_ingest(
    settings: Settings,
    embedder: EmbedderFactory,
    corpus: Path | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a corpus folder (default: the configured one) into the index."""
    return Ingest(settings, embedder, corpus, progress).run(rebuild)
