"""Test embedders, loaded by docqa as a backend of your own (`embed_backend=FAKE`), so an
ingest or a server in a child process uses them too."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence

import numpy as np

from ingest.embed import Embedder, Matrix

FAKE = "tests.support.embedders:FakeEmbedder"
SLOW = "tests.support.embedders:SlowFakeEmbedder"
FAKE_MODEL = "fake-hash-384"

_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbedder(Embedder):
    """Hashed bag of words: deterministic, fast, and similar texts get similar vectors."""

    delay = 0.0

    def __init__(self, name: str = FAKE_MODEL, dim: int = 384) -> None:
        self.name, self.dim = name, dim

    def _vector(self, text: str) -> Matrix:
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

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Embed texts by hashing their words."""
        if self.delay:
            time.sleep(self.delay * len(texts))
        rows = [self._vector(text) for text in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


class SlowFakeEmbedder(FakeEmbedder):
    """The fake, taking time per text, so a test can act while an ingest is midway."""

    delay = 0.02


def fake_env(data_dir: object, model: str = FAKE_MODEL, backend: str = FAKE) -> dict[str, str]:
    """DOCQA_* variables for a CLI run or a child process on the fake embedder."""
    return {
        "DOCQA_DATA_DIR": str(data_dir),
        "DOCQA_EMBED_MODEL": model,
        "DOCQA_EMBED_BACKEND": backend,
    }
