"""The pages' word vectors: kept beside a build, reused across builds, near in meaning."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from docqa.settings import Settings
from ingest.embed import FakeEmbedder
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from ingest.wordvectors import WordVectors, embed_words, is_word


class Recording(FakeEmbedder):
    """The fake embedder, remembering every text it embeds."""

    def __init__(self) -> None:
        super().__init__("fake-hash-384")
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.seen.extend(texts)
        return super().encode(texts)


def current_words(settings: Settings) -> WordVectors:
    store = IndexStore(settings)
    build = store.current_id()
    assert build is not None
    words = WordVectors.load(store.lexical_dir(build))
    assert words is not None
    return words


@pytest.mark.parametrize(
    ("token", "word"),
    [("rotate", True), ("kms", True), ("id", False), ("comprehend:detectentities", False),
     ("2012", False), ("a1b2c3", False), ("café", False)],
)  # fmt: skip
def test_only_plain_words_get_a_vector(token: str, word: bool) -> None:
    assert is_word(token) is word


def test_save_load_and_reuse(tmp_path: Path) -> None:
    embedder = Recording()
    first = embed_words(["policy", "kms", "encryption", "id"], embedder.encode)
    assert first.words == ("encryption", "kms", "policy")
    first.save(tmp_path)
    loaded = WordVectors.load(tmp_path)
    assert loaded is not None and loaded.words == first.words
    assert np.array_equal(loaded.vectors, first.vectors)
    embedder.seen.clear()
    second = embed_words(["policy", "kms", "subnet"], embedder.encode, loaded)
    assert embedder.seen == ["subnet"]  # the others come from the earlier build
    assert second.words == ("kms", "policy", "subnet")
    assert WordVectors.load(tmp_path / "none") is None


def test_every_word_known_already_calls_no_model() -> None:
    previous = embed_words(["policy", "kms"], FakeEmbedder().encode)

    def must_not_encode(texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        raise AssertionError("the model was asked for words it already had")

    assert embed_words(["policy"], must_not_encode, previous).words == ("policy",)


def test_ingest_keeps_vectors_of_the_page_words(settings: Settings, corpus: Path) -> None:
    run_ingest(settings, Recording, corpus)
    before = current_words(settings)
    assert {"encryption", "subnet", "cloudtrail"} <= set(before.words)
    assert before.vectors.shape == (len(before.words), 384)

    page = corpus / "kms-in-comprehend.md"
    page.write_text(page.read_text() + "\n\nQuokkas never rotate their wombat keys.\n")
    embedder = Recording()
    run_ingest(settings, lambda: embedder, corpus)
    after = current_words(settings)
    assert {"quokkas", "wombat"} <= set(after.words)
    words_embedded = {t for t in embedder.seen if " " not in t and "\n" not in t}
    assert words_embedded and words_embedded <= set(after.words) - set(before.words)


@pytest.mark.slow
def test_real_model_finds_a_page_word_close_in_meaning(real_embedder) -> None:  # type: ignore[no-untyped-def]
    pages = embed_words(
        ["modify", "policy", "permissions", "encryption", "key"], real_embedder.encode
    )
    tweak, rotate = pages.closest(real_embedder.encode(["tweak", "rotate"]))
    assert tweak > 0.5 > rotate  # "tweak" is said as "modify"; nothing here means "rotate"
