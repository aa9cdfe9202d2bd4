"""The one settings object: flag, then DOCQA_* environment variable, then default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from docqa.errors import DocqaError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class SettingsError(DocqaError):
    """A flag or DOCQA_* variable with a value docqa cannot use; the message names it."""


class Settings(BaseSettings):
    """Every knob of docqa; built once at an entry point and passed down."""

    model_config = SettingsConfigDict(env_prefix="DOCQA_", extra="forbid", frozen=True)

    data_dir: Path = Path("data")
    corpus_dir: Path | None = None
    corpus_source: Path | None = None
    index_dir: Path | None = None
    chroma_url: str | None = None
    collection: str = "docqa"

    embed_model: str = DEFAULT_MODEL
    # "onnx" (the model exported to ONNX fp32 once; no torch on the answer path), "torch"
    # (sentence-transformers: the same vectors), "onnx-int8" (other vectors, its own index),
    # or "package.module:Class", an embedder of your own (see ingest/embed/factory.py).
    embed_backend: str = "onnx"
    embed_batch_size: int = Field(default=64, ge=1)

    chunk_size: int = Field(default=1000, ge=200)
    chunk_overlap: int = Field(default=100, ge=0)
    max_block_chars: int = Field(default=4000, ge=500)
    max_page_bytes: int = Field(default=2_000_000, ge=1)

    # Pages that are not indexed but sit next to the indexed ones (the rest of a guide,
    # related guides): never answered from; they help recognise questions they answer instead.
    neighbours_dir: Path | None = None
    use_neighbours: bool = True  # DOCQA_USE_NEIGHBOURS=0 builds without them
    # Copy the neighbouring guides from this folder (`docqa corpus fetch`) instead of
    # downloading them.
    neighbours_source: Path | None = None

    k: int = Field(default=5, ge=1, le=50)
    # Answer from one guide only (a folder of the indexed pages, by path or name, e.g.
    # comprehend-security or iam-user-guide); unset: from every page. The app's "Search in"
    # and `docqa ask --in` choose it too.
    scope: str | None = None
    # Fusion weights, fitted on the tuning file (`docqa tune`); see docs/evaluation.md.
    # `docqa tune` (tuning file, MRR@10 0.949): whole-chunk vectors (Chroma) and a bonus for
    # naming the question's identifier add nothing beside sentence vectors and BM25.
    dense_weight: float = Field(default=0.0, ge=0)
    lexical_weight: float = Field(default=1.0, ge=0)
    unit_weight: float = Field(default=1.0, ge=0)
    exact_weight: float = Field(default=0.0, ge=0)  # a chunk naming the question's identifier
    # The refusal model (`docqa calibrate`); unset: the one shipped in app/calibration.json.
    calibration: Path | None = None
    max_question_chars: int = Field(default=2000, ge=50)
    answer_mode: Literal["extractive", "llm"] = "extractive"
    llm_model: str | None = None
    llm_provider: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None

    @field_validator("chroma_url")
    @classmethod
    def _server_url(cls, url: str | None) -> str | None:
        """A Chroma server URL must be http(s)://host[:port]; a blank value means embedded."""
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (raises on a bad port)
        except ValueError as exc:
            raise ValueError(f"bad port in Chroma URL {url!r}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Chroma URL must look like http://127.0.0.1:8000, got {url!r}")
        return url

    @field_validator("embed_backend")
    @classmethod
    def _backend(cls, value: str) -> str:
        """A built-in backend, or an embedder class of your own as package.module:Class."""
        if value in ("onnx", "torch", "onnx-int8") or re.fullmatch(r"[\w.]+:\w+", value):
            return value
        raise ValueError(
            f"embed_backend must be onnx, torch, onnx-int8 or package.module:Class, not {value!r}"
        )

    @field_validator("neighbours_dir", "neighbours_source", "calibration", "scope", mode="before")
    @classmethod
    def _blank_path(cls, value: Any) -> Any:
        """An empty value means unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def embedding_id(self) -> str:
        """The model and backend an index is built with: vectors of one do not mix with
        another's ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2+onnx-int8")."""
        if self.embed_backend == "onnx-int8":
            return f"{self.embed_model}+{self.embed_backend}"
        return self.embed_model

    @property
    def models_path(self) -> Path:
        """Where models made locally (the int8 ONNX export) are kept."""
        return self.data_dir / "models"

    @property
    def model_cache(self) -> Path:
        """What is made locally for the embedding model in use: its int8 export, the vectors
        of every word embedded so far."""
        return self.models_path / self.embedding_id

    @property
    def corpus_path(self) -> Path:
        """Folder holding the pages to index."""
        return self.corpus_dir or self.data_dir / "corpus" / "comprehend-security"

    @property
    def neighbours_home(self) -> Path:
        """Where `docqa corpus fetch` puts the neighbouring guides."""
        return self.data_dir / "corpus" / "neighbours"

    @property
    def neighbours_path(self) -> Path | None:
        """Folder of neighbouring pages: the one set, else the fetched ones when they are
        there, else none (and none when they are switched off)."""
        if not self.use_neighbours:
            return None
        if self.neighbours_dir is not None:
            return self.neighbours_dir
        return self.neighbours_home if self.neighbours_home.is_dir() else None

    @property
    def index_path(self) -> Path:
        """Folder holding the local index (embedded Chroma builds, lexical index, lock)."""
        return self.index_dir or self.data_dir / "index"

    @property
    def eval_path(self) -> Path:
        """Folder holding evaluation runs."""
        return self.data_dir / "eval"

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the given non-None values replaced (used for CLI flags)."""
        values = {key: value for key, value in changes.items() if value is not None}
        return self.model_copy(update=values) if values else self


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (non-None win), then the environment, then defaults."""
    return validated(**{key: value for key, value in flags.items() if value is not None})


def validated(**values: Any) -> Settings:
    """Settings from these values (then the environment, then defaults), or SettingsError."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(str(exc)) from exc


def settings_env(settings: Settings, **changes: Any) -> dict[str, str]:
    """DOCQA_* variables that rebuild these settings (with `changes`) in a child process;
    paths are made absolute."""
    env: dict[str, str] = {}
    for name, value in {**settings.model_dump(), **changes}.items():
        if value is None:
            continue
        if isinstance(value, Path):
            value = value.resolve()
        env[f"DOCQA_{name.upper()}"] = str(value)
    return env
