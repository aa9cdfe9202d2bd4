"""The int8 ONNX backend: exported locally from the packaged model, run with onnxruntime."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embed import Embedder

INT8_FILE = "model_qint8.onnx"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, as sentence-transformers truncates


def export_int8(model_dir: str, dest: Path) -> Path:
    """Export the transformer to ONNX with torch and quantise its weights to int8 (dynamic
    quantisation, no calibration data); nothing is downloaded. Returns the .onnx file."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    target = dest / INT8_FILE
    if target.is_file():
        return target
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
    with tempfile.TemporaryDirectory(dir=dest) as tmp, warnings.catch_warnings():
        # Tracing warns about Python branches on shapes; those branches are fixed for BERT.
        warnings.simplefilter("ignore")
        fp32, int8 = Path(tmp) / "model.onnx", Path(tmp) / INT8_FILE
        torch.onnx.export(
            LastHidden(model),
            tuple(sample[name] for name in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
        # Per-channel int8 weights of the matrix multiplications only: with the embedding
        # lookups and the rest quantised too, hit@1 fell by 0.03 on the evaluation.
        quantize_dynamic(
            str(fp32),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
        shutil.copy(Path(model_dir) / "tokenizer.json", dest / "tokenizer.json")
        os.replace(int8, target)  # whole or not at all
    return target


class OnnxInt8Embedder(Embedder):
    """all-MiniLM-L6-v2 quantised to int8: tokenise, run, mean-pool, normalise, as the
    sentence-transformers pipeline of the model does."""

    def __init__(self, name: str, model_dir: str, cache: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name, self.dim = name, 384
        path = export_int8(model_dir, cache)
        self.tokenizer = Tokenizer.from_file(str(cache / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.sessions = {n: self._session(ort, path, n) for n in (1, os.cpu_count() or 1)}
        self._lock = threading.Lock()

    @staticmethod
    def _session(ort: Any, path: Path, threads: int) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Embed texts one at a time: dynamic quantisation scales each run by its own
        activations, so in a padded batch a text's vector would depend on its neighbours
        (cosine 0.99 apart); alone, it is the same at ingest and at query time."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self.sessions[1 if len(texts) <= 4 else max(self.sessions)]
        with self._lock:
            return np.vstack([self._run(session, [text]) for text in texts])

    def _run(self, session: Any, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray[Any, np.dtype[np.float32]] = (pooled / np.clip(norms, 1e-12, None)).astype(
            np.float32
        )
        return unit
