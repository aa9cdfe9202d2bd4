"""The embedder that settings name: a built-in backend, or a class of your own."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from docqa.errors import DocqaError
from ingest.embed.base import Embedder, model_dir

if TYPE_CHECKING:
    from docqa.settings import Settings

BACKENDS = ("onnx", "torch", "onnx-int8")


class EmbedderError(DocqaError):
    """The settings name an embedder that cannot be loaded."""


def load_embedder(settings: Settings) -> Embedder:
    """The embedder named by `embed_backend`: "onnx" (the default: the model exported to
    ONNX fp32 on first use, no torch when answering), "torch" (sentence-transformers, the
    same vectors), "onnx-int8" (quantised: other vectors, its own index), or
    "package.module:Class", a class of your own built with the model name."""
    backend, name = settings.embed_backend, settings.embed_model
    if backend == "torch":
        from ingest.embed.sentence import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(name, settings.embed_batch_size)
    if backend in ("onnx", "onnx-int8"):
        from ingest.embed.onnx import OnnxEmbedder, OnnxInt8Embedder

        kind = OnnxInt8Embedder if backend == "onnx-int8" else OnnxEmbedder
        return kind(settings.embedding_id, model_dir(name), settings.model_cache)
    return plugin(backend, name)


def plugin(path: str, name: str) -> Embedder:
    """An embedder class named "package.module:Class", built with the model name."""
    module_name, _, attr = path.partition(":")
    use = f"Use one of {', '.join(BACKENDS)}, or package.module:Class naming an Embedder."
    try:
        kind = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise EmbedderError(f"Cannot load the embedder {path!r} ({exc}). {use}") from exc
    if not (isinstance(kind, type) and issubclass(kind, Embedder)):
        raise EmbedderError(f"{path} is not an ingest.embed.Embedder. {use}")
    return kind(name)
