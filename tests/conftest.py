"""Shared fixtures: offline by construction, Chroma in tmp_path, the real model once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for _name in [n for n in os.environ if n.startswith("DOCQA_") and n != "DOCQA_CORPUS_SOURCE"]:
    del os.environ[_name]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FAKE_MODEL = "fake-hash-384"


def _shared_corpus(name: str) -> Path:
    if name == "comprehend-security" and os.environ.get("DOCQA_CORPUS_SOURCE"):
        path = Path(os.environ["DOCQA_CORPUS_SOURCE"]).resolve()
    else:
        path = ROOT.parent / "shared" / "corpus" / name
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared corpus at {path}")
        pytest.skip(f"shared corpus {path} not present")
    return path


@pytest.fixture(scope="session")
def security_corpus() -> Path:
    """The 16 real pages (read, never copied into the repo)."""
    return _shared_corpus("comprehend-security")


@pytest.fixture(scope="session")
def revised_corpus() -> Path:
    """The same section after the 2023 revision."""
    return _shared_corpus("comprehend-security-2023")


@pytest.fixture(scope="session")
def aws_guides() -> Path:
    """1,629 pages of five guides."""
    return _shared_corpus("aws-guides")


@pytest.fixture
def fixture_pages(tmp_path: Path) -> Path:
    """A writable copy of our own fixture pages."""
    dest = tmp_path / "pages"
    shutil.copytree(FIXTURES / "pages", dest)
    return dest


@pytest.fixture
def corpus(tmp_path: Path, security_corpus: Path) -> Path:
    """A writable copy of the 16 real pages, for tests that edit or delete pages."""
    dest = tmp_path / "corpus"
    shutil.copytree(security_corpus, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings with the fake embedder and everything under tmp_path."""
    from docqa.settings import Settings

    return Settings(data_dir=tmp_path / "data", embed_model=FAKE_MODEL)


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[object]:
    """The packaged all-MiniLM-L6-v2, loaded once per session."""
    from ingest.embed import SentenceTransformerEmbedder

    yield SentenceTransformerEmbedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, security_corpus: Path, real_embedder):  # type: ignore[no-untyped-def]
    """Settings of an index of the 16 pages built once with the real model."""
    from docqa.settings import Settings
    from ingest.pipeline import run_ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("real") / "data")
    run_ingest(settings, lambda: real_embedder, security_corpus)
    return settings


@pytest.fixture(scope="session")
def real_engine(real_index, real_embedder):  # type: ignore[no-untyped-def]
    """The answer engine over the real index and model."""
    from app.engine import Engine

    return Engine(real_index, embedder=real_embedder)


@pytest.fixture
def fake_index(settings, security_corpus: Path):  # type: ignore[no-untyped-def]
    """Settings of an index of the 16 pages built with the fake embedder."""
    from ingest.embed import FakeEmbedder
    from ingest.pipeline import run_ingest

    run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), security_corpus)
    return settings
