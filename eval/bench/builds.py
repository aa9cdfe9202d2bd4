"""Ingest timings of `docqa bench`: whole builds beside the raw encode, and a build's memory."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from eval.bench.machine import docqa_argv
from eval.bench.models import BenchRun

if TYPE_CHECKING:
    from ingest.embed import Embedder

INGEST_ROUNDS = 5
ROUND_BUDGET_S = 30.0  # a longer first round (a big corpus) is not repeated


def ratio(a: float, b: float) -> float:
    """a / b, or 0 when b is 0."""
    return a / b if b else 0.0


def ingest_timings(run: BenchRun, embedder: Embedder) -> dict[str, Any]:
    """docqa's whole ingest in this process, then the raw encode of the texts it embeds (the
    chunks and their answer units).

    The first build on a machine also embeds the neighbour headings into the model's cache; it
    is reported apart. The later builds and the raw encode are timed in alternating rounds (five
    when a round takes under half a minute, else one) and the medians compared, so a one-off
    cost (the first large batch through torch, first imports) or a noisy moment does not land
    on one side only.
    """
    first = _ingest_round(run, embedder)
    rounds: list[dict[str, Any]] = [] if first["headings"] else [first]
    while len(rounds) < INGEST_ROUNDS:
        rounds.append(_ingest_round(run, embedder))
        if rounds[0]["seconds"] + rounds[0]["encode_seconds"] > ROUND_BUDGET_S:
            break
    seconds = statistics.median(r["seconds"] for r in rounds)
    encode_s = statistics.median(r["encode_seconds"] for r in rounds)
    chunks_per_s = first["chunks"] / seconds
    raw_per_s = first["encode_chunks"] / encode_s if encode_s else 0.0
    return {
        "pages": first["pages"],
        "chunks": first["chunks"],
        "embedded_chunks": first["embedded_chunks"],
        "seconds": seconds,
        "chunks_per_s": chunks_per_s,
        "encode_chunks": first["encode_chunks"],
        "encode_seconds": encode_s,
        "encode_chunks_per_s": raw_per_s,
        # Raw encode time over ingest time: 1.0 means the ingest costs nothing beyond the model.
        "encode_ratio": ratio(encode_s, seconds),
        "encode_max_abs_diff": max(r["encode_max_abs_diff"] for r in rounds),
        "rounds": [
            {"ingest_s": r["seconds"], "encode_s": r["encode_seconds"], "headings": r["headings"]}
            for r in rounds
        ],
        # The first build on a machine also embeds the neighbour headings (when neighbours
        # are set); later ones find them in the model's cache.
        "first_build": {
            "seconds": first["seconds"],
            "embedded_headings": first["headings"],
            "encode_ratio": ratio(first["encode_seconds"], first["seconds"]),
        },
    }


def _ingest_round(run: BenchRun, embedder: Embedder) -> dict[str, Any]:
    """One full ingest (rebuild) and one raw encode of the texts every rebuild embeds: the
    chunks' answer units, from which the chunk vectors are made (neighbour headings come from
    the model's cache)."""
    from ingest.pipeline import run_ingest
    from ingest.store import open_store
    from ingest.units import UnitIndex, chunk_vectors, embed_texts

    start = time.perf_counter()
    report = run_ingest(run.settings, lambda: embedder, run.corpus, True, run.progress)
    seconds = time.perf_counter() - start
    store = open_store(run.settings)
    info, collection = store.open_current()
    got = collection.get(include=["embeddings"])
    stored = list(got["embeddings"] if got["embeddings"] is not None else [])
    chunks = sorted(_stored_chunks(collection), key=lambda c: c.id)
    units = UnitIndex.load(store.reading_dir(info.build_id))
    unit_texts = sorted(set(embed_texts(units.units, {c.id: c for c in chunks}))) if units else []
    run.progress("bench: raw encode", 0, 1)
    encode = _raw_encode(run, embedder)
    start = time.perf_counter()
    vectors = encode(unit_texts)
    encode_s = time.perf_counter() - start
    # The chunk vectors the build stored, against those made from the raw encode's units.
    known = dict(zip(unit_texts, vectors, strict=True))  # every unit: the model is not called
    expected, _ = chunk_vectors(chunks, known, embedder.encode)
    order = {cid: i for i, cid in enumerate(got["ids"])}
    mine = np.asarray([stored[order[c.id]] for c in chunks]) if stored else np.zeros((0, 0))
    diff = float(np.abs(expected - mine).max()) if stored else 0.0
    return {
        "pages": report.pages,
        "chunks": report.chunks,
        "embedded_chunks": report.embedded_chunks,
        "headings": report.embedded_headings,
        "seconds": seconds,
        "encode_chunks": len(unit_texts),
        "encode_seconds": encode_s,
        "encode_max_abs_diff": diff,
    }


def _stored_chunks(collection: Any) -> list[Any]:
    from ingest.build import read_chunks

    return read_chunks(collection)


def _raw_encode(run: BenchRun, embedder: Embedder) -> Callable[[list[str]], Any]:
    """SentenceTransformer.encode on the very model object docqa used, with docqa's options."""
    model = getattr(embedder, "model", None)
    if model is None:  # the test fake has no sentence-transformers model under it
        return embedder.encode

    def encode(texts: list[str]) -> Any:
        return model.encode(
            texts,
            batch_size=run.settings.embed_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    return encode


def ingest_child(run: BenchRun) -> dict[str, Any]:
    """A full `docqa ingest --rebuild` in its own process, into its own index: its peak RSS."""
    argv = docqa_argv("ingest", "--corpus", str(run.corpus), "--rebuild", "--json", "-q")
    done, report = run.child("ingest in a subprocess", argv, index_dir=run.tmp / "index-rss")
    return {
        "seconds": done.seconds,
        "chunks": report["chunks"],
        "chunks_per_s": report["chunks"] / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "argv": argv,
    }
