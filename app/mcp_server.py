"""The MCP server (`docqa mcp`): docqa's answers as tools for coding assistants.

Two tools over the same engine as the app and the API: `ask_docs` (a cited answer, or a
refusal) and `search_docs` (passages only). Over stdio the assistant starts docqa itself;
over streamable HTTP every request needs one of the API's bearer tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from starlette.responses import JSONResponse

from app.about import pages_of
from app.auth import Actor, Role, Tokens
from app.service import Question, Service

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from app.engine import Engine
    from docqa.settings import Settings

INSTRUCTIONS = (
    "docqa answers from {pages}, quoting them with numbered citations and deep links. "
    "It refuses (refused: true) when the pages do not answer, and names what they lack "
    "(partial: true, missing); do not guess past either."
)
ASK = (
    "Ask a question about {pages}. Returns the answer text with [n] markers, its citations "
    "(page, section, URL, the passage quoted), refused and reasons when the pages do not "
    "cover it, partial and missing when they cover part of it. Pass earlier questions of the "
    "conversation as history for a follow-up, and guide to answer from one guide of the "
    "index only."
)
SEARCH = (
    "Search {pages} and return the best passages (page, title, section, URL, text), "
    "without composing an answer. k: how many pages (default 5)."
)


def build_server(settings: Settings, engine: Engine | None = None) -> MCPServer:
    """The MCP server with docqa's two tools."""
    if engine is None:
        from app.engine import Engine

        engine = Engine(settings)
    service = Service(settings, engine)
    tokens = Tokens(settings.serving.api_tokens)
    pages = pages_of(engine, settings.serving.docs_name)
    server: MCPServer = MCPServer("docqa", instructions=INSTRUCTIONS.format(pages=pages))

    def caller(ctx: Context) -> Actor:
        """The token's viewer over HTTP (the middleware let only valid ones in); the local
        user over stdio."""
        auth = (ctx.headers or {}).get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        found = tokens.actor(token, "mcp") if token else None
        return found or Actor("local", Role.VIEWER, "mcp")

    @server.tool(description=ASK.format(pages=pages))
    async def ask_docs(
        question: str, ctx: Context, history: list[str] | None = None, guide: str | None = None
    ) -> dict[str, Any]:
        asked = Question(question, tuple(history or ()), guide)
        who = caller(ctx)
        return await anyio.to_thread.run_sync(service.ask, who, asked)

    @server.tool(description=SEARCH.format(pages=pages))
    async def search_docs(query: str, ctx: Context, k: int = 5) -> dict[str, Any]:
        who = caller(ctx)
        return await anyio.to_thread.run_sync(service.search, who, query, max(1, min(k, 50)))

    return server


class RequireToken:
    """Let through only requests that carry one of the bearer tokens (401 otherwise)."""

    def __init__(self, app: ASGIApp, tokens: Tokens) -> None:
        self.app, self.tokens = app, tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.tokens:
            headers = dict(scope.get("headers", []))
            auth = headers.get(b"authorization", b"").decode("latin-1")
            token = auth.removeprefix("Bearer ").strip()
            if not token or self.tokens.actor(token, "mcp") is None:
                body = {"error": "A valid bearer token is required.", "field": "Authorization"}
                reply = JSONResponse(body, 401, headers={"WWW-Authenticate": "Bearer"})
                await reply(scope, receive, send)
                return
        await self.app(scope, receive, send)


def http_app(settings: Settings, host: str, engine: Engine | None = None) -> ASGIApp:
    """The server over streamable HTTP at /mcp, behind the API's tokens."""
    server = build_server(settings, engine)
    app = server.streamable_http_app(host=host, stateless_http=True, json_response=True)
    return RequireToken(app, Tokens(settings.serving.api_tokens))
