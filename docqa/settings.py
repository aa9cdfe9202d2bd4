"""The one settings object: flag, then DOCQA_* environment variable, then default."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"


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
    embed_backend: Literal["torch", "onnx-int8"] = "torch"
    embed_batch_size: int = Field(default=64, ge=1)

    chunk_size: int = Field(default=1000, ge=200)
    chunk_overlap: int = Field(default=100, ge=0)
    max_block_chars: int = Field(default=4000, ge=500)
    max_page_bytes: int = Field(default=2_000_000, ge=1)

    k: int = Field(default=5, ge=1, le=50)
    # Tuned on the evaluation's tuning split (`docqa eval --tune`); see docs/evaluation.md.
    dense_weight: float = Field(default=1.0, ge=0)
    lexical_weight: float = Field(default=2.0, ge=0)
    refuse_min_dense: float = Field(default=0.34, ge=-1, le=1)
    refuse_min_coverage: float = Field(default=0.0, ge=0, le=1)
    refuse_max_unknown: float = Field(default=0.35, ge=0, le=1)
    # A question word the pages never use counts as theirs when a page word is this close in
    # meaning (cosine of the word embeddings); chosen on the tuning split, see docs/evaluation.md.
    refuse_synonym_similarity: float = Field(default=0.5, ge=0, le=1.01)
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

    @property
    def embedding_id(self) -> str:
        """The model and backend an index is built with: vectors of one do not mix with
        another's ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2+onnx-int8")."""
        if self.embed_backend == "torch" or self.embed_model.startswith("fake"):
            return self.embed_model
        return f"{self.embed_model}+{self.embed_backend}"

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
    return Settings(**{key: value for key, value in flags.items() if value is not None})
