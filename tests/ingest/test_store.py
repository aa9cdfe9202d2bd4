"""The two stores behind one interface: the settings pick one; only a real lost connection
becomes ServerUnreachableError, what Chroma reports wrong with a build is damage, and any
other exception stays a bug, traceback and all."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from chromadb.errors import InternalError, NotFoundError

from docqa.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import (
    OLD_READING,
    READING,
    IndexDamagedError,
    ServerUnreachableError,
    open_store,
)
from ingest.store_embedded import EmbeddedStore
from ingest.store_server import ServerStore
from tests.support.embedders import FakeEmbedder

BUILD = "b20260101-000000-000000-abcd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(settings: Settings) -> ServerStore:
    """A store for a Chroma server that nothing listens for."""
    url = f"http://127.0.0.1:{free_port()}"
    store = open_store(settings.model_copy(update={"chroma_url": url}))
    assert isinstance(store, ServerStore)
    return store


class Client:
    """A Chroma client whose every collection fails to open with the given exception."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_collection(self, *args: object, **kwargs: object) -> None:
        raise self.error


def raising(error: Exception) -> Callable[..., None]:
    """A stand-in for a call that fails with `error`."""

    def call(*args: object, **kwargs: object) -> None:
        raise error

    return call


def lost_while_connecting() -> ValueError:
    """What chromadb's client raises when it cannot connect: a ValueError raised while
    handling httpx's error."""
    try:
        try:
            raise httpx.ConnectError("connection refused")
        except httpx.ConnectError:
            raise ValueError("Could not connect to a Chroma server.") from None
    except ValueError as exc:
        return exc


def test_the_settings_pick_the_store(settings: Settings, server: ServerStore) -> None:
    assert type(open_store(settings)) is EmbeddedStore
    assert server.location == server.url and server.url.startswith("http://127.0.0.1:")
    assert open_store(settings).location == str(settings.index_path)


def test_a_server_that_does_not_run_is_unreachable(server: ServerStore) -> None:
    with pytest.raises(ServerUnreachableError) as caught:
        server.current_id()
    message = str(caught.value)
    assert message.startswith(f"Cannot reach the Chroma server at {server.url} (")
    assert "unset DOCQA_CHROMA_URL to use the embedded index." in message


@pytest.mark.parametrize("bug", [RuntimeError, KeyError, ValueError, TypeError])
def test_a_bug_while_making_the_client_is_not_a_lost_server(
    server: ServerStore, monkeypatch: pytest.MonkeyPatch, bug: type[Exception]
) -> None:
    monkeypatch.setattr("chromadb.HttpClient", raising(bug("a bug, not a lost server")))
    with pytest.raises(bug, match="a bug"):
        server.current_id()


def test_chromadb_s_own_report_of_a_failed_connection_counts(
    server: ServerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chromadb.HttpClient", raising(lost_while_connecting()))
    with pytest.raises(ServerUnreachableError, match="ValueError: Could not connect"):
        server.builds()


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectError("connection refused"), ServerUnreachableError),
        (httpx.ReadTimeout("timed out"), ServerUnreachableError),
        (lost_while_connecting(), ServerUnreachableError),
        (TypeError("a bug"), TypeError),
        (ValueError("a bug"), ValueError),
        (OSError("disk full"), OSError),
    ],
)
def test_the_guard_turns_only_a_lost_connection_into_unreachable(
    server: ServerStore, raised: Exception, expected: type[Exception]
) -> None:
    with pytest.raises(expected), server.guard():
        raise raised


def test_the_embedded_guard_lets_everything_through(settings: Settings) -> None:
    with pytest.raises(httpx.ConnectError), open_store(settings).guard():
        raise httpx.ConnectError("no server here")


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (NotFoundError("Collection does not exist"), IndexDamagedError),
        (httpx.ConnectError("connection refused"), ServerUnreachableError),
        (TypeError("a bug"), TypeError),
        (RuntimeError("a bug"), RuntimeError),
    ],
)
def test_opening_a_server_build(
    server: ServerStore,
    monkeypatch: pytest.MonkeyPatch,
    raised: Exception,
    expected: type[Exception],
) -> None:
    monkeypatch.setattr(server, "client", lambda build_id="": Client(raised))
    with pytest.raises(expected, match=str(raised)):
        server.open(BUILD)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (InternalError("database disk image is malformed"), IndexDamagedError),
        (KeyError("a bug"), KeyError),
        (httpx.ConnectError("not a server at all"), httpx.ConnectError),
    ],
)
def test_opening_an_embedded_build(
    settings: Settings,
    fixture_pages: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: Exception,
    expected: type[Exception],
) -> None:
    run_ingest(settings, lambda: FakeEmbedder(settings.embed_model), fixture_pages)
    store = open_store(settings)
    build_id = store.require_current()
    monkeypatch.setattr(store, "client", lambda build_id: Client(raised))
    with pytest.raises(expected) as caught:
        store.open(build_id)
    if expected is IndexDamagedError:
        assert str(caught.value) == (
            f"The index at {settings.index_path} is damaged (InternalError: database disk "
            "image is malformed). Rebuild it: docqa ingest --rebuild"
        )


class Server:
    """The calls ServerStore makes, on collections kept in a dict."""

    def __init__(self) -> None:
        self.collections: dict[str, SimpleNamespace] = {}

    def get_collection(self, name: str, **kwargs: Any) -> SimpleNamespace:
        if name not in self.collections:
            raise NotFoundError(f"Collection {name} does not exist")
        return self.collections[name]

    def get_or_create_collection(self, name: str, **kwargs: Any) -> SimpleNamespace:
        return self.collections.setdefault(name, self.create_collection(name))

    def create_collection(self, name: str, **kwargs: Any) -> SimpleNamespace:
        made = SimpleNamespace(name=name, metadata=kwargs.get("metadata"))
        made.modify = lambda metadata: setattr(made, "metadata", metadata)
        self.collections[name] = made
        return made

    def list_collections(self) -> list[SimpleNamespace]:
        return list(self.collections.values())

    def delete_collection(self, name: str) -> None:
        del self.collections[name]


def test_server_builds_the_pointer_and_pruning(
    server: ServerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = Server()
    monkeypatch.setattr(server, "client", lambda build_id="": fake)
    builds = [f"b20260101-00000{n}-000000-abcd" for n in range(4)]
    assert server.current_id() is None and server.builds() == []
    for build_id in builds:
        server.create(build_id)
        server.reading_dir(build_id).mkdir(parents=True)
    fake.create_collection(f"{server.name}-not-a-build")
    old_layout = server.root / OLD_READING / builds[0]  # saved by an older docqa
    old_layout.parent.mkdir()
    server.reading_dir(builds[0]).rename(old_layout)
    assert server.reading_dir(builds[0]) == old_layout
    stray = server.root / READING / "b20250101-000000-000000-dead"  # dropped elsewhere
    stray.mkdir()
    server.publish(builds[2])
    assert server.current_id() == builds[2] and server.builds() == builds
    assert server.prune() == [builds[0], builds[3]]
    assert server.builds() == builds[1:3]
    assert sorted(p.name for p in (server.root / READING).iterdir()) == builds[1:3]
    assert not old_layout.exists() and not stray.exists()
    fake.collections[f"{server.name}-current"].metadata = {"build": "../elsewhere"}
    with pytest.raises(IndexDamagedError, match=r"pointer collection .* names no valid build"):
        server.current_id()
