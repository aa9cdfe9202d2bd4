"""The MCP server through the SDK's own client: `docqa mcp` over stdio and over HTTP."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from app.auth import hash_token
from app.engine import Engine
from docqa.settings import Settings, settings_env
from ingest.pipeline import run_ingest
from tests.support.answers import without_timings
from tests.support.embedders import FAKE, FAKE_MODEL, FakeEmbedder
from tests.support.servers import Running, serving

TOKEN = "dq_mcp_test_token"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"


def stdio(settings: Settings) -> StdioServerParameters:
    env = {**os.environ, **settings_env(settings)}
    return StdioServerParameters(command=sys.executable, args=["-m", "docqa", "mcp"], env=env)


async def session_calls(client: Client) -> dict[str, Any]:
    """What a coding assistant does: list the tools, ask, search."""
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    asked = await client.call_tool("ask_docs", {"question": QUESTION})
    searched = await client.call_tool("search_docs", {"query": "VPC endpoint", "k": 2})
    follow = await client.call_tool(
        "ask_docs", {"question": "and custom models?", "history": [QUESTION]}
    )
    refused = await client.call_tool("ask_docs", {"question": "What is the capital of France?"})
    return {
        "tools": tools,
        "ask": asked,
        "search": searched,
        "follow": follow,
        "refused": refused,
    }


def check(calls: dict[str, Any], settings: Settings) -> None:
    tools = calls["tools"]
    assert set(tools) == {"ask_docs", "search_docs"}
    for tool in tools.values():
        assert "Security in Amazon Comprehend" in tool.description
    assert set(tools["ask_docs"].input_schema["properties"]) == {"question", "history", "guide"}
    assert tools["ask_docs"].input_schema["required"] == ["question"]
    engine = Engine(settings)
    expected = engine.ask(QUESTION).to_json()
    answer = calls["ask"].structured_content
    assert not calls["ask"].is_error
    assert without_timings(answer) == without_timings(expected)
    assert answer["citations"] and all(c["url"].startswith("https://") for c in answer["citations"])
    assert answer["refused"] is False
    follow = engine.ask("and custom models?", [engine.ask(QUESTION)]).to_json()
    assert without_timings(calls["follow"].structured_content) == without_timings(follow)
    assert calls["refused"].structured_content["refused"] is True
    passages = calls["search"].structured_content["passages"]
    assert passages and len({p["page"] for p in passages}) <= 2
    assert all(p["url"].startswith("https://docs.aws.amazon.com/") for p in passages)


def test_stdio_with_the_sdk_client(index: Settings) -> None:
    async def run() -> dict[str, Any]:
        async with Client(stdio(index)) as client:
            return await session_calls(client)

    check(anyio.run(run), index)


@pytest.fixture(scope="module")
def mcp_http(index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    env = settings_env(index, serving={"api_tokens": [hash_token(TOKEN)]})
    log = tmp_path_factory.mktemp("mcp-log") / "mcp.log"
    args = ["docqa", "mcp", "--http", "--port", "{port}"]
    with serving(args, env, log, health="/mcp") as running:
        yield running


def test_streamable_http_with_the_sdk_client_and_a_token(
    mcp_http: Running, index: Settings
) -> None:
    async def run() -> dict[str, Any]:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
        async with (
            http,
            Client(streamable_http_client(f"{mcp_http.url}/mcp", http_client=http)) as client,
        ):
            return await session_calls(client)

    check(anyio.run(run), index)


def test_http_without_a_valid_token_is_refused(mcp_http: Running) -> None:
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        reply = httpx.post(f"{mcp_http.url}/mcp", json=hello, headers=headers)
        assert reply.status_code == 401 and reply.json()["field"] == "Authorization"

    async def run() -> None:
        async with Client(f"{mcp_http.url}/mcp") as client:
            await client.list_tools()

    with pytest.raises(ExceptionGroup) as refused:  # the SDK's task groups wrap its error
        anyio.run(run)
    assert refused.group_contains(MCPError, match="error response")


def test_the_server_answers_from_a_new_build_once_it_is_published(
    tmp_path: Path, security_corpus: Path, revised_corpus: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", embed_model=FAKE_MODEL, embed_backend=FAKE)
    run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), security_corpus)
    question = "Which permissions does the Amazon Comprehend console need?"  # a page the
    # revision rewrote
    answers: list[dict[str, Any]] = []

    async def run() -> None:
        async with Client(stdio(settings)) as client:
            answers.append(
                (await client.call_tool("ask_docs", {"question": question})).structured_content
            )
            await anyio.to_thread.run_sync(
                lambda: run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), revised_corpus)
            )
            answers.append(
                (await client.call_tool("ask_docs", {"question": question})).structured_content
            )

    first = without_timings(Engine(settings).ask(question).to_json())
    anyio.run(run)
    second = without_timings(Engine(settings).ask(question).to_json())
    assert first != second  # else this test could not tell the builds apart
    assert [without_timings(a) for a in answers] == [first, second]
