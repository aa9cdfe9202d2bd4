"""Hybrid retrieval: chunks ranked by meaning (Chroma), by their best sentence (the answer
units embedded at ingest) and by BM25, fused by weighted reciprocal rank."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from app.models import Hit, Passage
from app.scope import Scope, guides, scope_of, with_neighbours
from docqa.sections import RetrievalSettings

if TYPE_CHECKING:
    from ingest.build import OpenedBuild

Vector = np.ndarray[Any, np.dtype[np.float32]]
_IDENTIFIER = re.compile(
    r"\b[A-Za-z0-9-]+:[A-Za-z0-9*]+\b"  # IAM actions and condition keys: kms:CreateGrant
    r"|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b"  # API and policy names: ComprehendFullAccess
)


def identifiers(query: str) -> list[str]:
    """Exact identifiers named in a query, lower-cased."""
    return list(dict.fromkeys(m.group(0).lower() for m in _IDENTIFIER.finditer(query)))


@dataclass(frozen=True)
class Query:
    """What retrieval searches with: the question's embedding (for a follow-up, blended with
    the conversation's), the words BM25 looks for, and the pages a follow-up leans on."""

    text: str
    lexical: str
    vector: Vector
    prior_pages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retrieval:
    """Ranked pages, plus what the reader and the refusal decision read."""

    hits: list[Hit]
    unit_sims: Vector  # cosine of the query to every answer unit of the build, row for row
    timings_ms: dict[str, float] = field(default_factory=dict)


def _fuse(rankings: list[tuple[float, list[str]]], rrf_k: int) -> dict[str, float]:
    fused: dict[str, float] = {}
    for weight, ranked in rankings:
        if weight:
            for rank, cid in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (rrf_k + rank + 1)
    return fused


class Retriever:
    """Searches one opened build; safe to share between threads (read-only)."""

    def __init__(self, build: OpenedBuild, config: RetrievalSettings | None = None) -> None:
        self.build = build
        self.config = config or RetrievalSettings()
        self.chunks = build.chunks
        rows = build.units.rows_by_chunk()
        self.rows = rows  # chunk id -> its units' rows, in reading order
        self._unit_chunks = list(rows)
        # Each chunk's first unit row: its heading path (ingest/units.py puts it first).
        self.heading_rows = np.array([r[0] for r in rows.values()], dtype=np.int64)
        self._scopes: dict[str, Scope] = {}

    def guides(self) -> list[str]:
        """The guides (folders of pages) the build holds; none for a flat folder."""
        return guides(self.chunks)

    def scoped(self, guide: str | None) -> Scope | None:
        """The scope of one guide (None: every page); ScopeError for a guide not there."""
        if not guide:
            return None
        if guide not in self._scopes:
            units = len(self.build.units.units)
            scope = scope_of(guide, self.chunks, self.rows, units)
            built = self.build.neighbours
            self._scopes[guide] = with_neighbours(scope, self.build.units, self.chunks, built)
        return self._scopes[guide]

    def unit_sims(self, vector: Vector, scope: Scope | None = None) -> Vector:
        """Cosine of a query to every answer unit (-1 outside the scope)."""
        sims = self.build.units.vectors @ vector
        return sims if scope is None else scope.sims(sims)

    def dense(self, vector: Vector, n: int) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity (Chroma)."""
        n = min(n, len(self.chunks))
        if n == 0:
            return []
        embedding: Any = [vector]
        got = self.build.collection.query(
            query_embeddings=embedding, n_results=n, include=["distances"]
        )
        distances = (got["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], distances, strict=True)]

    def by_units(self, sims: Vector, n: int) -> list[str]:
        """Chunks ranked by their best-matching answer unit."""
        if not len(sims):
            return []
        best = np.maximum.reduceat(sims, self.heading_rows)
        order = np.argsort(-best, kind="stable")[:n]
        return [self._unit_chunks[i] for i in order]

    def search(self, query: Query, k: int, scope: Scope | None = None) -> Retrieval:
        """The k best pages for a query (within one guide, when scoped), each with its best
        passages."""
        cfg, timings = self.config, {}
        depth = cfg.depth if scope is None else len(self.chunks)  # then keep the guide's
        mark = time.perf_counter()
        dense = self.dense(query.vector, depth) if cfg.dense_weight else []
        timings["dense"] = (time.perf_counter() - mark) * 1000
        mark = time.perf_counter()
        sims = self.unit_sims(query.vector, scope)
        units = self.by_units(sims, cfg.depth)
        timings["units"] = (time.perf_counter() - mark) * 1000
        mark = time.perf_counter()
        lexical = self.build.lexical.search(query.lexical, depth)
        timings["lexical"] = (time.perf_counter() - mark) * 1000
        if scope is not None:
            dense = [(c, s) for c, s in dense if c in scope.chunk_ids][: cfg.depth]
            units = [c for c in units if c in scope.chunk_ids]
            lexical = [(c, s) for c, s in lexical if c in scope.chunk_ids][: cfg.depth]
        mark = time.perf_counter()
        fused = _fuse(
            [
                (cfg.dense_weight, [c for c, _ in dense]),
                (cfg.unit_weight, units),
                (cfg.lexical_weight, [c for c, _ in lexical]),
            ],
            cfg.rrf_k,
        )
        self._boost(fused, query)
        hits = self._group(fused, dict(dense), dict(lexical))[:k]
        timings["fusion"] = (time.perf_counter() - mark) * 1000
        return Retrieval(hits, sims, timings)

    def _boost(self, fused: dict[str, float], query: Query) -> None:
        """An identifier named exactly, or a page the last answer cited, counts as a vote."""
        cfg = self.config
        for ident in identifiers(query.text) if cfg.exact_weight else ():
            for cid in fused:
                if ident in self.chunks[cid].text.lower():
                    fused[cid] += cfg.exact_weight / (cfg.rrf_k + 1)
        prior = set(query.prior_pages)
        for cid in fused if prior else ():
            if self.chunks[cid].page_id in prior:
                fused[cid] += cfg.prior_weight / (cfg.rrf_k + 1)

    def _group(
        self, fused: dict[str, float], dense: dict[str, float], lexical: dict[str, float]
    ) -> list[Hit]:
        pages: dict[str, list[Passage]] = {}
        for cid in sorted(fused, key=lambda c: (-fused[c], c)):
            chunk = self.chunks.get(cid)
            if chunk is None:
                continue
            group = pages.setdefault(chunk.page_id, [])
            if len(group) < self.config.passages_per_page:
                group.append(Passage(chunk, fused[cid], dense.get(cid, 0.0), lexical.get(cid, 0.0)))
        return [Hit(pid, group[0].score, tuple(group)) for pid, group in pages.items()]
