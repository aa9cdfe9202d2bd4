"""Shared fixtures: offline by construction, Chroma in tmp_path, the real model once."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.embedders import FAKE, FAKE_MODEL, FakeEmbedder
from tests.support.servers import stop

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# Child processes (the CLI, `docqa serve`) can load the test embedders (tests.support).
_CHECKOUT = str(Path(__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [_CHECKOUT, os.environ.get("PYTHONPATH")]))
# Read before the DOCQA_* settings are cleared: the one opt-in to rewrite reviewed snapshots.
UPDATE_SNAPSHOTS = os.environ.pop("DOCQA_UPDATE_SNAPSHOTS", "") == "1"
for _name in [n for n in os.environ if n.startswith("DOCQA_") and n != "DOCQA_CORPUS_SOURCE"]:
    del os.environ[_name]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


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


WaitFor = Callable[..., None]


@pytest.fixture(scope="session")
def wait_for() -> WaitFor:
    """Poll until `condition()` holds: wait for the state, don't guess its timing. The timeout
    only turns a hang into a failure that names what never happened."""

    def wait(condition: Callable[[], object], what: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
            time.sleep(0.02)

    return wait


@pytest.fixture(scope="session")
def update_snapshots() -> bool:
    """True when DOCQA_UPDATE_SNAPSHOTS=1 asks to rewrite the snapshots (then review the diff)."""
    return UPDATE_SNAPSHOTS


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

    return Settings(data_dir=tmp_path / "data", embed_model=FAKE_MODEL, embed_backend=FAKE)


@pytest.fixture(scope="session")
def real_embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The packaged all-MiniLM-L6-v2 on the default backend (exported to ONNX), loaded once
    per session."""
    from docqa.settings import Settings
    from ingest.embed import load_embedder

    yield load_embedder(Settings(data_dir=tmp_path_factory.mktemp("model") / "data"))


@pytest.fixture(scope="session")
def real_index(
    tmp_path_factory: pytest.TempPathFactory, security_corpus: Path, aws_guides: Path, real_embedder
):  # type: ignore[no-untyped-def]
    """Settings of an index of the 16 pages built once with the real model, with the five
    guides as neighbouring pages (as `make run` sets them up)."""
    from docqa.settings import Settings
    from ingest.pipeline import run_ingest

    data = tmp_path_factory.mktemp("real") / "data"
    settings = Settings(data_dir=data, neighbours_dir=aws_guides)
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
    from ingest.pipeline import run_ingest

    run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), security_corpus)
    return settings


@dataclass(frozen=True)
class Served:
    """A running `docqa serve`: where it answers and its process."""

    url: str
    port: int
    child: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(served: Served, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.child.poll() is not None:
            pytest.fail(f"docqa serve exited with {served.child.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{served.url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"docqa serve did not answer within {timeout} s:\n{log.read_text()}")


ServeApp = Callable[[Mapping[str, str]], contextlib.AbstractContextManager[Served]]


@pytest.fixture
def serve_app(tmp_path: Path) -> ServeApp:
    """Start `docqa serve` on a free port with these DOCQA_* variables, as a user would; wait
    until it answers its health check; stop it on leaving the block."""

    @contextlib.contextmanager
    def start(env: Mapping[str, str], timeout: float = 90) -> Iterator[Served]:
        port = _free_port()
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "docqa", "serve", "--port", str(port)],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
            )
        served = Served(f"http://127.0.0.1:{port}", port, child)
        try:
            _wait_healthy(served, log, timeout)
            yield served
        finally:
            stop(child)

    return start
