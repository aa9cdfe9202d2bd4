"""ONNX backends: the model exported locally (fp32, and int8 quantised from it), run with
onnxruntime and tokenizers, so answering a question never imports torch."""

from __future__ import annotations

import os
import shutil
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from docqa.files import atomic_path
from ingest.embed.base import Embedder, Matrix, whole_words

FP32_FILE = "model_fp32.onnx"
INT8_FILE = "model_qint8.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, as sentence-transformers truncates
BATCH = 32


def export_fp32(model_dir: str, dest: Path) -> Path:
    """Export the transformer to ONNX with torch, once (the only step that needs torch);
    nothing is downloaded. Returns the .onnx file."""
    target = dest / FP32_FILE
    if target.is_file() and (dest / TOKENIZER_FILE).is_file():
        return target
    from ingest.embed.sentence import quiet_offline

    quiet_offline()
    import torch
    from transformers import AutoModel, AutoTokenizer

    dest.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(model_dir).eval()
    sample = AutoTokenizer.from_pretrained(model_dir)(["a sample sentence"], return_tensors="pt")

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with atomic_path(target) as made, warnings.catch_warnings():  # whole or not at all
        # Tracing warns about Python branches on shapes; those branches are fixed for BERT.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model),
            tuple(sample[name] for name in names),
            str(made),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        shutil.copy(Path(model_dir) / TOKENIZER_FILE, dest / TOKENIZER_FILE)
    return target


def export_int8(model_dir: str, dest: Path) -> Path:
    """The fp32 export with its weights quantised to int8 (dynamic quantisation, no
    calibration data). Returns the .onnx file."""
    target = dest / INT8_FILE
    if target.is_file() and (dest / TOKENIZER_FILE).is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = export_fp32(model_dir, dest)
    with atomic_path(target) as made:
        # Per-channel int8 weights of the matrix multiplications only: with the embedding
        # lookups and the rest quantised too, hit@1 fell by 0.03 on the evaluation.
        quantize_dynamic(
            str(fp32),
            str(made),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
    return target


class OnnxEmbedder(Embedder):
    """all-MiniLM-L6-v2 exported to ONNX fp32: tokenise, run, mean-pool, normalise, as the
    sentence-transformers pipeline of the model does (the same vectors within 1e-4, so one
    index serves both). Texts are batched by length, so little of a batch is padding."""

    file = FP32_FILE
    batch = BATCH

    def __init__(self, name: str, model_dir: str, cache: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name, self.dim = name, 384
        path = self.export(model_dir, cache)
        self.tokenizer = Tokenizer.from_file(str(cache / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self._ort, self._path = ort, path
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()

    def export(self, model_dir: str, cache: Path) -> Path:
        """The model file this backend runs, exported on first use."""
        return export_fp32(model_dir, cache)

    def _session(self, threads: int) -> Any:
        """A session on this many threads, made on first use (each costs a model load)."""
        if threads not in self._sessions:
            options = self._ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Ingest batches come in many lengths; a memory plan kept per shape grew a large
            # ingest by about 270 MB at no gain in speed. Questions keep the default.
            options.enable_mem_pattern = threads == 1
            self._sessions[threads] = self._ort.InferenceSession(
                str(self._path), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[threads]

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Embed texts, in batches of texts of about the same length."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            # A question runs on one thread: faster and steadier than two fighting for a busy
            # core; batches (ingest) take every core.
            session = self._session(1 if len(texts) <= 4 else os.cpu_count() or 1)
            for start in range(0, len(order), self.batch):
                rows = order[start : start + self.batch]
                out[rows] = self._run(session, [texts[i] for i in rows])
        return out

    def encode_focused(self, text: str, spans: Sequence[tuple[int, int]]) -> Matrix:
        """The text's embedding and its parts' (the mean of their tokens and the text's
        markers), from one run of the model: a second run, however short, costs about half
        a question's time. Parts cut off by the model's token limit are embedded on their
        own instead."""
        encoded = self.tokenizer.encode(text)
        offsets = encoded.offsets
        tokens = [t for t, (a, b) in enumerate(offsets) if b > a]
        if not spans or not tokens or max(b for _, b in spans) > offsets[tokens[-1]][1]:
            return super().encode_focused(text, spans)
        with self._lock:
            hidden, mask = self._hidden(self._session(1), [encoded])
        part = np.zeros_like(mask)
        part[0, [t for t, (a, b) in enumerate(offsets) if a == b and mask[0, t]]] = 1  # markers
        part[0, [t for t in tokens if any(s <= offsets[t][0] < e for s, e in spans)]] = 1
        return _pool(np.concatenate([hidden, hidden]), np.concatenate([mask, part]))

    def vocabulary(self) -> frozenset[str]:
        """The whole words of the model's tokenizer."""
        return whole_words(self.tokenizer.get_vocab())

    def _run(self, session: Any, texts: list[str]) -> Matrix:
        return _pool(*self._hidden(session, self.tokenizer.encode_batch(texts)))

    def _hidden(self, session: Any, encoded: Sequence[Any]) -> tuple[Matrix, Any]:
        """The model's token vectors for tokenised texts, and their attention mask."""
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feeds)[0], mask


def _pool(hidden: Any, weights: Any) -> Matrix:
    """Each row's mean of the token vectors its weights select, to unit length."""
    w = weights[..., None].astype(np.float32)
    pooled = (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    unit: Matrix = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return unit


class OnnxInt8Embedder(OnnxEmbedder):
    """The int8 quantised export. Dynamic quantisation scales each run by its own
    activations, so in a padded batch a text's vector would depend on its neighbours (cosine
    0.99 apart): texts run one at a time, the same at ingest and at query time."""

    file = INT8_FILE
    batch = 1

    def export(self, model_dir: str, cache: Path) -> Path:
        """The int8 model, quantised on first use."""
        return export_int8(model_dir, cache)
