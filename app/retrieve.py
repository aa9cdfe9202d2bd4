"""Hybrid retrieval: dense (Chroma) and lexical (BM25) fused by weighted reciprocal rank."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from app.models import Hit, Passage
from ingest.lexical import LexicalIndex

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from ingest.embed import Embedder


_IDENTIFIER = re.compile(
    r"\b[A-Za-z0-9-]+:[A-Za-z0-9*]+\b"  # IAM actions and condition keys: kms:CreateGrant
    r"|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b"  # API and policy names: ComprehendFullAccess
)


def identifiers(query: str) -> list[str]:
    """Exact identifiers named in a query, lower-cased."""
    return list(dict.fromkeys(m.group(0).lower() for m in _IDENTIFIER.finditer(query)))


@dataclass(frozen=True)
class FusionConfig:
    """Weights of the fusion, tuned on the evaluation's tuning split."""

    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    rrf_k: int = 60
    exact_weight: float = 1.0
    depth: int = 40
    passages_per_page: int = 3


@dataclass(frozen=True)
class Retrieval:
    """Ranked pages plus the raw signals the refusal decision reads."""

    hits: list[Hit]
    top_dense: float
    top_lexical: float
    timings_ms: dict[str, float]


def _passage(chunk_id: str, doc: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        page_id=str(meta.get("page_id", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        anchor=str(meta.get("anchor", "")),
        url=str(meta.get("url", "")),
        text=doc,
        heading_path=str(meta.get("heading_path", "")),
    )


class Retriever:
    """Searches one index build; safe to share between threads (read-only)."""

    def __init__(
        self,
        collection: Collection,
        lexical: LexicalIndex,
        embedder: Embedder,
        config: FusionConfig | None = None,
    ) -> None:
        self.collection, self.lexical, self.embedder = collection, lexical, embedder
        self.config = config or FusionConfig()
        got = collection.get(include=["documents", "metadatas"])
        docs, metas = got["documents"] or [], got["metadatas"] or []
        self.passages = {
            cid: _passage(cid, doc, dict(meta))
            for cid, doc, meta in zip(got["ids"], docs, metas, strict=True)
        }

    def dense(self, vector: np.ndarray[Any, Any], n: int) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity."""
        n = min(n, len(self.passages))
        if n == 0:
            return []
        got = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        distances = (got["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], distances, strict=True)]

    def search(self, query: str, k: int, lexical_query: str | None = None) -> Retrieval:
        """The k best pages for a query, each with its best passages."""
        cfg, timings = self.config, {}
        start = time.perf_counter()
        vector = self.embedder.encode([query])[0]
        timings["embed"] = (time.perf_counter() - start) * 1000
        mark = time.perf_counter()
        dense = self.dense(vector, cfg.depth)
        timings["dense"] = (time.perf_counter() - mark) * 1000
        mark = time.perf_counter()
        lexical = self.lexical.search(lexical_query or query, cfg.depth)
        timings["lexical"] = (time.perf_counter() - mark) * 1000
        mark = time.perf_counter()
        fused: dict[str, float] = {}
        for weight, ranked in ((cfg.dense_weight, dense), (cfg.lexical_weight, lexical)):
            for rank, (cid, _) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (cfg.rrf_k + rank + 1)
        for ident in identifiers(query):
            for cid in fused:
                passage = self.passages.get(cid)
                if passage is not None and ident in passage.text.lower():
                    fused[cid] += cfg.exact_weight / (cfg.rrf_k + 1)
        dense_of, lexical_of = dict(dense), dict(lexical)
        pages: dict[str, list[Passage]] = {}
        for cid in sorted(fused, key=lambda c: (-fused[c], c)):
            base = self.passages.get(cid)
            if base is None:
                continue
            group = pages.setdefault(base.page_id, [])
            if len(group) < cfg.passages_per_page:
                scored = replace(
                    base,
                    score=fused[cid],
                    dense=dense_of.get(cid, 0.0),
                    lexical=lexical_of.get(cid, 0.0),
                )
                group.append(scored)
        hits = [Hit(pid, group[0].score, tuple(group)) for pid, group in pages.items()][:k]
        timings["fusion"] = (time.perf_counter() - mark) * 1000
        return Retrieval(
            hits=hits,
            top_dense=max((s for _, s in dense), default=0.0),
            top_lexical=max((s for _, s in lexical), default=0.0),
            timings_ms=timings,
        )
