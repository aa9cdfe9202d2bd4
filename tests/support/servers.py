"""Start a command that serves HTTP on a free loopback port, and wait until it answers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Running:
    """A started server: its base URL, port, process and log."""

    url: str
    port: int
    child: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def serving(
    args: Sequence[str],
    env: Mapping[str, str],
    log: Path,
    health: str = "/healthz",
    port: int | None = None,
    timeout: float = 90,
) -> Iterator[Running]:
    """Run `python -m <args>` (`{port}` in args is the port) until the block ends."""
    port = port or free_port()
    command = [sys.executable, "-m", *(a.replace("{port}", str(port)) for a in args)]
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(f"http://127.0.0.1:{port}", port, child, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if child.poll() is not None:
                pytest.fail(f"{command} exited with {child.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(running.url + health, timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{command} did not answer within {timeout} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield running
    finally:
        stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    """Ask a child to end; kill it if it has not within 15 s."""
    child.terminate()
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
