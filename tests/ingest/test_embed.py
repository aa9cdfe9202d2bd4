"""Choosing an embedder from settings: built-in backends, a class of your own, clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docqa.settings import Settings
from ingest.embed import load_embedder
from ingest.embed.factory import EmbedderError
from tests.support.embedders import FAKE, SLOW, FakeEmbedder, SlowFakeEmbedder


def test_a_class_of_your_own_is_built_with_the_model_name() -> None:
    embedder = load_embedder(Settings(embed_model="my-model", embed_backend=FAKE))
    assert type(embedder) is FakeEmbedder and embedder.name == "my-model"
    assert type(load_embedder(Settings(embed_backend=SLOW))) is SlowFakeEmbedder
    assert embedder.encode(["a b", "a b"]).shape == (2, 384)


@pytest.mark.parametrize("backend", ["gpu", "tests.support.embedders", "a b:C", ""])
def test_a_malformed_backend_is_refused_by_settings(backend: str) -> None:
    with pytest.raises(ValidationError, match="embed_backend"):
        Settings(embed_backend=backend)


@pytest.mark.parametrize(
    "backend",
    ["tests.support.nowhere:FakeEmbedder", "tests.support.embedders:Missing", "json:dumps"],
)
def test_a_backend_that_cannot_be_loaded_says_what_to_use(backend: str) -> None:
    with pytest.raises(EmbedderError, match="onnx"):
        load_embedder(Settings(embed_backend=backend))
