"""A real Chroma server (`chroma run`) on 127.0.0.1, started by the tests themselves."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

CHROMA = Path(sys.executable).with_name("chroma")
_names = count(1)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """One `chroma run` process; it can be killed and started again on the same data and port."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = path.with_name(f"{path.name}.log")

    @property
    def url(self) -> str:
        """Where docqa finds it."""
        return f"http://127.0.0.1:{self.port}"

    def heartbeat(self) -> bool:
        """True when the server answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def start(self, timeout: float = 60) -> ChromaServer:
        """Start it and wait until its heartbeat answers."""
        binary = CHROMA if CHROMA.exists() else shutil.which("chroma")
        if binary is None:
            pytest.fail("the `chroma` command is missing: run `make setup`")
        command = [str(binary), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited early: {self.log.read_text()[-2000:]}")
            if self.heartbeat():
                return self
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"chroma run did not answer within {timeout} s on {self.url}")

    def kill(self) -> None:
        """Stop it at once (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One server for the session; each test uses its own collection name."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "data").start()
    yield server
    server.kill()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server this test may kill and restart."""
    server = ChromaServer(tmp_path / "chroma").start()
    yield server
    server.kill()


@pytest.fixture
def server_settings(settings, chroma_server: ChromaServer):  # type: ignore[no-untyped-def]
    """The fake-embedder settings pointed at the session server, under a fresh name."""
    return settings.with_overrides(chroma_url=chroma_server.url, collection=f"t{next(_names)}")


@pytest.fixture(scope="session")
def real_server_index(  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory,
    chroma_server,
    security_corpus: Path,
    real_embedder,
    real_index,
):
    """Settings of the 16 pages indexed with the real model on the session server, with the
    same neighbouring pages as `real_index` (their headings taken from its model cache)."""
    import shutil

    from docqa.settings import Settings
    from ingest.pipeline import run_ingest

    data = tmp_path_factory.mktemp("real-server") / "data"
    settings = Settings(
        data_dir=data,
        chroma_url=chroma_server.url,
        collection="real",
        neighbours_dir=real_index.neighbours_dir,
    )
    shutil.copytree(real_index.model_cache, settings.model_cache)
    run_ingest(settings, lambda: real_embedder, security_corpus)
    return settings


@pytest.fixture
def dead_url() -> str:
    """A Chroma URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"
