"""The one settings object: flag, then DOCQA_* environment variable, then default."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from docqa.errors import DocqaError
from docqa.sections import ReaderSettings, RefusalSettings, RetrievalSettings, ServingSettings

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class SettingsError(DocqaError):
    """A flag or DOCQA_* variable with a value docqa cannot use; the message names it."""


SETTINGS_FILE_VARIABLE = "DOCQA_SETTINGS_FILE"


class SettingsFileSource(PydanticBaseSettingsSource):
    """Values from the settings file (JSON: top-level names and one object per section),
    named by the `settings_file` flag or DOCQA_SETTINGS_FILE; below the environment."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        flags = init.init_kwargs if isinstance(init, InitSettingsSource) else {}
        named = flags.get("settings_file") or os.environ.get(SETTINGS_FILE_VARIABLE)
        self.path = Path(named) if named else None

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        """Unused: `__call__` reads the whole file."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"Settings file {self.path} does not exist") from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SettingsError(f"Settings file {self.path} cannot be read: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"Settings file {self.path} must hold a JSON object")
        return data


class Settings(BaseSettings):
    """Every knob of docqa; built once at an entry point and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="DOCQA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    # A JSON file of settings (what `docqa tune` writes), below flags and the environment.
    settings_file: Path | None = None

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

    k: int = Field(default=5, ge=1, le=50)  # pages retrieved per question
    # Answer from one guide only (a folder of the indexed pages, by path or name, e.g.
    # comprehend-security or iam-user-guide); unset: from every page. The app's "Search in"
    # and `docqa ask --in` choose it too.
    scope: str | None = None
    # The refusal model (`docqa calibrate`); unset: the one shipped in app/calibration.json.
    calibration: Path | None = None
    max_question_chars: int = Field(default=2000, ge=50)
    answer_mode: Literal["extractive", "llm"] = "extractive"
    llm_model: str | None = None
    llm_provider: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None

    retrieval: RetrievalSettings = RetrievalSettings()
    reader: ReaderSettings = ReaderSettings()
    refusal: RefusalSettings = RefusalSettings()
    serving: ServingSettings = ServingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags, then DOCQA_* variables, then the settings file, then defaults."""
        return init_settings, env_settings, SettingsFileSource(settings_cls, init_settings)

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

    @field_validator(
        "neighbours_dir",
        "neighbours_source",
        "calibration",
        "scope",
        "settings_file",
        mode="before",
    )
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
        """A copy with the given non-None values replaced (used for CLI flags); a section
        is given as a mapping of the names it changes."""
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if value is None:
                continue
            current = getattr(self, key, None)
            if isinstance(current, BaseModel) and isinstance(value, dict):
                value = current.model_copy(update=value)
            values[key] = value
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
    paths are made absolute, a section's values are `DOCQA_<SECTION>__<NAME>`."""
    env: dict[str, str] = {}
    for name, value in settings.with_overrides(**changes).model_dump(exclude_none=True).items():
        if name == "settings_file":  # its values are in the settings already
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                env[f"DOCQA_{name.upper()}__{key.upper()}"] = _env_value(item)
        else:
            env[f"DOCQA_{name.upper()}"] = _env_value(value)
    return env


def _env_value(value: Any) -> str:
    """A value as a variable holds it: a path made absolute, a list as JSON."""
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, SecretStr):  # a child process needs the secret itself
        return value.get_secret_value()
    if isinstance(value, list | tuple):
        items = [_env_value(v) if isinstance(v, SecretStr) else v for v in value]
        return json.dumps(items)
    return str(value)
