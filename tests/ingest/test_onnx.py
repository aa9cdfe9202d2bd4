"""The int8 ONNX backend: exported locally, close to the torch model, kept apart in the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docqa.settings import Settings
from ingest.embed import load_embedder, packaged_model_path
from ingest.onnx import INT8_FILE, OnnxInt8Embedder

pytestmark = pytest.mark.slow

TEXTS = [
    "Which KMS permissions does volume encryption need?",
    "Amazon Comprehend encrypts custom models with a customer managed key.",
    "The trust policy names the service principal and an aws:SourceArn condition.",
    "A VPC endpoint policy can allow only DetectEntities.",
    "CloudTrail records every call as an event.",
    "",
]


@pytest.fixture(scope="module")
def int8(tmp_path_factory: pytest.TempPathFactory) -> OnnxInt8Embedder:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), embed_backend="onnx-int8")
    embedder = load_embedder(settings)
    assert isinstance(embedder, OnnxInt8Embedder)
    return embedder


def test_export_is_made_locally_under_the_data_folder(tmp_path: Path, int8) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, embed_backend="onnx-int8")
    assert settings.embedding_id == "all-MiniLM-L6-v2+onnx-int8"
    load_embedder(settings)
    exported = settings.models_path / settings.embedding_id / INT8_FILE
    weights = Path(packaged_model_path()) / "model.safetensors"
    # int8 matrices; the word embeddings stay float, so about two thirds of the float size.
    assert exported.is_file() and exported.stat().st_size < 0.75 * weights.stat().st_size
    before = exported.stat().st_mtime_ns
    load_embedder(settings)  # the export is reused, not made again
    assert exported.stat().st_mtime_ns == before


def test_int8_vectors_are_close_to_the_torch_model(int8, real_embedder) -> None:  # type: ignore[no-untyped-def]
    ours, reference = int8.encode(TEXTS), real_embedder.encode(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * reference).sum(axis=1)
    assert cosine[:-1].min() > 0.99 and cosine[-1] > 0.9  # the empty text drifts most
    # One query at a time (one thread) gives the same vector as in a batch.
    assert np.allclose(int8.encode(TEXTS[:1])[0], ours[0], atol=1e-5)
    assert int8.encode([]).shape == (0, 384)


def test_nearest_text_is_the_same_as_with_torch(int8, real_embedder) -> None:  # type: ignore[no-untyped-def]
    docs, query = TEXTS[1:5], "which key encrypts my custom model?"
    for embedder in (int8, real_embedder):
        scores = embedder.encode(docs) @ embedder.encode([query])[0]
        assert int(np.argmax(scores)) == 0


def test_the_backend_is_part_of_the_index_identity() -> None:
    assert Settings().embedding_id == "all-MiniLM-L6-v2"
    assert Settings(embed_backend="onnx-int8").embedding_id == "all-MiniLM-L6-v2+onnx-int8"
    assert Settings(embed_model="fake-hash-384", embed_backend="onnx-int8").embedding_id == (
        "fake-hash-384"
    )
