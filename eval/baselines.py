"""Two baselines docqa must beat: the LangChain tutorial pipeline and BM25 alone."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models import Claim
from app.scope import ScopeError, in_guide
from corpus.discover import discover
from docqa.progress import Progress
from eval.systems import RANK_DEPTH, Reply
from ingest.lexical import LexicalIndex

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from ingest.embed import Embedder
    from ingest.models import Chunk

# Chunks fetched per query: enough to rank RANK_DEPTH distinct pages.
SEARCH_DEPTH = 40
ADD_BATCH = 512


def _reply(ranked_pages: Sequence[str], top_text: str, k: int, start: float) -> Reply:
    """A never-refusing answer: the top chunk, citing the pages of the top-k chunks; the
    text is attributed to the top chunk's page."""
    elapsed = (time.perf_counter() - start) * 1000
    claims = (Claim(top_text, (ranked_pages[0],)),) if ranked_pages and top_text else ()
    return Reply(
        text=top_text,
        refused=False,
        retrieved_pages=tuple(dict.fromkeys(ranked_pages))[:RANK_DEPTH],
        cited_pages=tuple(dict.fromkeys(ranked_pages[:k])),
        timings_ms={"retrieve": elapsed, "total": elapsed},
        claims=claims,
    )


def guide_pages(scope: str | None, page_ids: Sequence[str]) -> list[str] | None:
    """The pages of one guide (None: no guide, every page); ScopeError for a guide with no
    page."""
    if not scope:
        return None
    inside = [page for page in page_ids if in_guide(page, scope)]
    if not inside:
        raise ScopeError(f"The pages hold no guide '{scope}'.")
    return inside


def read_pages(folder: Path) -> tuple[list[Document], dict[str, str]]:
    """Every .md file read as is (no parsing), and each page's sha256."""
    from langchain_core.documents import Document

    documents: list[Document] = []
    hashes: dict[str, str] = {}
    for source in discover(folder)[0]:
        data = source.path.read_bytes()
        hashes[source.id] = hashlib.sha256(data).hexdigest()
        text = data.decode("utf-8", errors="replace")
        documents.append(Document(page_content=text, metadata={"page_id": source.id}))
    return documents, hashes


class LangChainTutorial:
    """Plain file read, RecursiveCharacterTextSplitter(1000, 200), Chroma, similarity_search
    (within one guide: Chroma's metadata filter on the guide's pages)."""

    name = "langchain-chroma"

    def __init__(
        self,
        folder: Path,
        embedder: Embedder,
        k: int = 5,
        progress: Progress | None = None,
        scope: str | None = None,
    ) -> None:
        import chromadb
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.chroma import chroma_settings

        self.k = k
        documents, self._hashes = read_pages(folder)
        inside = guide_pages(scope, list(self._hashes))  # a guide not there: before any file
        # A Chroma where-filter; langchain-chroma types `filter` narrower than Chroma takes.
        self.where: Any = None if inside is None else {"page_id": {"$in": inside}}
        self._tmp = tempfile.TemporaryDirectory(prefix="docqa-tutorial-")
        settings = chroma_settings()
        self.client: Any = chromadb.PersistentClient(path=self._tmp.name, settings=settings)
        self.store = Chroma(
            collection_name="tutorial", embedding_function=embedder, client=self.client
        )
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        splits = splitter.split_documents(documents)
        report = progress or (lambda stage, done, total: None)
        for start in range(0, len(splits), ADD_BATCH):
            self.store.add_documents(splits[start : start + ADD_BATCH])
            report("baseline: embedding chunks", min(start + ADD_BATCH, len(splits)), len(splits))
        self.chunks = len(splits)

    def ask(self, question: str, history: Sequence[str]) -> Reply:
        """The top chunk as the answer (the question alone: no history)."""
        start = time.perf_counter()
        found = self.store.similarity_search(question, k=SEARCH_DEPTH, filter=self.where)
        pages = [str(doc.metadata["page_id"]) for doc in found]
        return _reply(pages, found[0].page_content if found else "", self.k, start)

    def page_hashes(self) -> dict[str, str]:
        """sha256 of every page read."""
        return dict(self._hashes)

    def close(self) -> None:
        """Drop the temporary Chroma store."""
        self.client.close()
        self._tmp.cleanup()


class Bm25Baseline:
    """BM25 alone over docqa's own chunks (heading path and text, as docqa indexes them);
    within one guide, the guide's chunks ranked by the same scores."""

    name = "bm25"

    def __init__(
        self,
        chunks: Mapping[str, Chunk],
        hashes: Mapping[str, str],
        k: int = 5,
        scope: str | None = None,
    ) -> None:
        self.k = k
        self.chunks = dict(chunks)
        inside = guide_pages(scope, sorted({c.page_id for c in self.chunks.values()}))
        self.inside = None if inside is None else set(inside)
        ids = sorted(self.chunks)
        self.index = LexicalIndex(ids, [self.chunks[i].lexical_text for i in ids])
        self._hashes = dict(hashes)

    def ask(self, question: str, history: Sequence[str]) -> Reply:
        """The top chunk as the answer (the question alone: no history)."""
        start = time.perf_counter()
        if self.inside is None:
            found = self.index.search(question, SEARCH_DEPTH)
        else:
            ranked = self.index.search(question, len(self.chunks))
            found = [hit for hit in ranked if self.chunks[hit[0]].page_id in self.inside]
            found = found[:SEARCH_DEPTH]
        pages = [self.chunks[cid].page_id for cid, _ in found]
        top = self.chunks[found[0][0]].text if found else ""
        return _reply(pages, top, self.k, start)

    def page_hashes(self) -> dict[str, str]:
        """sha256 of every page, as docqa's index recorded it."""
        return dict(self._hashes)
