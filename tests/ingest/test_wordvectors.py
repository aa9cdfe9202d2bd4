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
from ingest.wordvectors import WordVectors, embed_words, is_word, page_word_vectors


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


def test_the_model_cache_serves_every_build(tmp_path: Path) -> None:
    embedder = Recording()
    cache = tmp_path / "cache"
    first, new = page_word_vectors(["policy", "kms"], embedder.encode, cache)
    assert new == 2 and first.words == ("kms", "policy")
    embedder.seen.clear()
    second, new = page_word_vectors(["policy", "subnet"], embedder.encode, cache)
    assert new == 1 and embedder.seen == ["subnet"] and second.words == ("policy", "subnet")
    cached = WordVectors.load(cache)
    assert cached is not None and cached.words == ("kms", "policy", "subnet")
    assert not list(cache.glob("*.part"))


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    vectors, new = page_word_vectors(["policy"], Recording().encode, blocked / "cache")
    assert vectors.words == ("policy",) and new == 1


def test_a_rebuild_finds_every_word_cached(settings: Settings, corpus: Path) -> None:
    first = run_ingest(settings, Recording, corpus)
    assert first.embedded_words == len(current_words(settings).words) > 500
    embedder = Recording()
    again = run_ingest(settings, lambda: embedder, corpus, rebuild=True)
    assert again.embedded_words == 0 and again.embedded_chunks == first.embedded_chunks
    assert all(" " in t or "\n" in t for t in embedder.seen)  # chunks only, no single words


def test_a_build_without_word_vectors_gets_them_when_opened(fake_index: Settings) -> None:
    from app.engine import Engine

    store = IndexStore(fake_index)
    build = store.current_id()
    assert build is not None
    (store.lexical_dir(build) / "words.npz").unlink()
    engine = Engine(fake_index, embedder=FakeEmbedder(fake_index.embed_model))
    assert engine.load().vocabulary.near is not None
    assert WordVectors.load(store.lexical_dir(build)) is not None


@pytest.mark.slow
def test_real_model_finds_a_page_word_close_in_meaning(real_embedder) -> None:  # type: ignore[no-untyped-def]
    pages = embed_words(
        ["modify", "policy", "permissions", "encryption", "key"], real_embedder.encode
    )
    tweak, rotate = pages.closest(real_embedder.encode(["tweak", "rotate"]))
    assert tweak > 0.5 > rotate  # "tweak" is said as "modify"; nothing here means "rotate"
