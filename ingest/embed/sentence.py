"""all-MiniLM-L6-v2 through sentence-transformers and torch (the reference backend)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

from ingest.embed.base import Embedder, Matrix, model_dir, whole_words


def quiet_offline() -> None:
    """Hugging Face libraries: offline, no progress bars, no tokenizer threads of their own."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 through sentence-transformers, offline, normalised."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        quiet_offline()
        from sentence_transformers import SentenceTransformer

        self.name, self.batch_size = name, batch_size
        self.model = SentenceTransformer(model_dir(name), device="cpu")
        # The fast tokenizer is not safe to call from several threads at once ("Already
        # borrowed"), and one encode already uses every core: callers take turns.
        self._lock = threading.Lock()
        import torch

        self._threads = torch.get_num_threads()
        dimension = getattr(self.model, "get_embedding_dimension", None)
        dimension = dimension or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)

    def vocabulary(self) -> frozenset[str]:
        """The whole words of the model's tokenizer."""
        return whole_words(self.model.tokenizer.get_vocab())

    def encode(self, texts: Sequence[str]) -> Matrix:
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
