"""The ONNX backends: exported locally; fp32 gives the torch model's vectors, int8 close ones
under an index identity of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docqa.settings import Settings
from ingest.embed import load_embedder, packaged_model_path
from ingest.embed.onnx import FP32_FILE, INT8_FILE, OnnxEmbedder, OnnxInt8Embedder
from ingest.embed.sentence import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow

TEXTS = [
    "Which KMS permissions does volume encryption need?",
    "Amazon Comprehend encrypts custom models with a customer managed key.",
    "The trust policy names the service principal and an aws:SourceArn condition.",
    "A VPC endpoint policy can allow only DetectEntities. " * 60,  # past 256 tokens: truncated
    "CloudTrail records every call as an event.",
    "",
]


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    embedder = load_embedder(Settings(embed_backend="torch"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


@pytest.fixture(scope="module")
def int8(tmp_path_factory: pytest.TempPathFactory) -> OnnxInt8Embedder:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), embed_backend="onnx-int8")
    embedder = load_embedder(settings)
    assert isinstance(embedder, OnnxInt8Embedder)
    return embedder


def test_default_backend_is_the_fp32_export_made_under_the_data_folder(
    real_embedder: object,
) -> None:
    assert isinstance(real_embedder, OnnxEmbedder)
    assert not isinstance(real_embedder, OnnxInt8Embedder)
    assert Settings().embed_backend == "onnx"


def test_fp32_vectors_equal_the_torch_model(real_embedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    ours, reference = real_embedder.encode(TEXTS), torch_model.encode(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert float(np.abs(ours - reference).max()) < 1e-4  # one index serves both backends
    # Alone or in a batch of others, a text gets the same vector.
    for i, text in enumerate(TEXTS):
        assert float(np.abs(real_embedder.encode([text])[0] - ours[i]).max()) < 1e-5
    assert real_embedder.encode([]).shape == (0, 384)


def test_export_is_made_once_and_reused(tmp_path: Path, int8) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, embed_backend="onnx-int8")
    assert settings.embedding_id == "all-MiniLM-L6-v2+onnx-int8"
    load_embedder(settings)
    exported = settings.model_cache / INT8_FILE
    weights = Path(packaged_model_path()) / "model.safetensors"
    # int8 matrices; the word embeddings stay float, so about two thirds of the float size.
    assert exported.is_file() and exported.stat().st_size < 0.75 * weights.stat().st_size
    assert (settings.model_cache / FP32_FILE).is_file()
    before = exported.stat().st_mtime_ns
    load_embedder(settings)  # the export is reused, not made again
    assert exported.stat().st_mtime_ns == before


def test_int8_vectors_are_close_to_the_torch_model(int8, torch_model) -> None:  # type: ignore[no-untyped-def]
    ours, reference = int8.encode(TEXTS), torch_model.encode(TEXTS)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * reference).sum(axis=1)
    # 0.989 at worst on an AVX2 CPU without VNNI, whose int8 kernels saturate (0.99+ with
    # VNNI); the empty text drifts most.
    assert cosine[:-1].min() > 0.985 and cosine[-1] > 0.9
    # One query at a time gives the same vector as in a batch.
    assert np.allclose(int8.encode(TEXTS[:1])[0], ours[0], atol=1e-5)


def test_nearest_text_is_the_same_on_every_backend(int8, torch_model, real_embedder) -> None:  # type: ignore[no-untyped-def]
    docs, query = TEXTS[1:5], "which key encrypts my custom model?"
    for embedder in (int8, torch_model, real_embedder):
        scores = embedder.encode(docs) @ embedder.encode([query])[0]
        assert int(np.argmax(scores)) == 0


def test_the_quantised_backend_is_part_of_the_index_identity() -> None:
    assert Settings().embedding_id == "all-MiniLM-L6-v2"
    assert Settings(embed_backend="torch").embedding_id == "all-MiniLM-L6-v2"
    assert Settings(embed_backend="onnx-int8").embedding_id == "all-MiniLM-L6-v2+onnx-int8"


def test_a_focused_embedding_reads_the_text_once_and_pools_its_asking_part(
    real_embedder, torch_model
) -> None:  # type: ignore[no-untyped-def]
    text = "Our jobs run in a private subnet. They fail at night. Which key encrypts the output?"
    spans = [(text.index("Which"), len(text))]
    whole, part = real_embedder.encode_focused(text, spans)
    assert float(np.abs(whole - real_embedder.encode([text])[0]).max()) < 1e-5
    # The part's tokens are read in the text's context: close to the part embedded alone,
    # and closer to it than the whole text is.
    alone = real_embedder.encode(["Which key encrypts the output?"])[0]
    assert float(part @ alone) > max(float(whole @ alone), 0.8)
    # Other backends embed the part on its own.
    assert np.allclose(torch_model.encode_focused(text, spans)[1], alone, atol=1e-4)


def test_a_part_past_the_token_limit_is_embedded_on_its_own(real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = TEXTS[3] + " Which key encrypts the output?"
    whole, part = real_embedder.encode_focused(text, [(text.index("Which"), len(text))])
    assert np.allclose(whole, real_embedder.encode([text])[0], atol=1e-5)
    assert np.allclose(part, real_embedder.encode(["Which key encrypts the output?"])[0], atol=1e-5)


def test_every_backend_knows_the_same_whole_words(real_embedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    words = real_embedder.vocabulary()
    assert words == torch_model.vocabulary()
    assert {"policy", "network", "the"} <= words
    assert len(words) > 10_000 and not any(w.startswith("#") or "[" in w for w in words)
