"""Stemming is safe from many threads at once (the API answers on a thread pool)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import snowballstemmer

from app import lexicon


def test_eight_threads_stem_as_one_does() -> None:
    words = [f"{root}{end}" for root in ("encrypt", "rotat", "polic", "endpoint", "logg")
             for end in ("ing", "ed", "ions", "ies", "ers", "ation", "ness", "ly")]  # fmt: skip
    words = [f"{w}{n}x{w}" for n in range(300) for w in words]  # long and all different
    lexicon.stem.cache_clear()
    english = snowballstemmer.stemmer("english")
    alone = [english.stemWord(w) for w in words]
    lexicon.stem.cache_clear()
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lexicon.stem, words, chunksize=7))
    assert together == alone
