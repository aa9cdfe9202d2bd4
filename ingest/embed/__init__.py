"""Embedders: the packaged all-MiniLM-L6-v2 run with ONNX (default) or torch, or your own."""

from ingest.embed.base import Embedder as Embedder
from ingest.embed.base import Matrix as Matrix
from ingest.embed.base import model_dir as model_dir
from ingest.embed.base import packaged_model_path as packaged_model_path
from ingest.embed.factory import load_embedder as load_embedder
