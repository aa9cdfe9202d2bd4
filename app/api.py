"""The HTTP API (`docqa api`): ask, search and status over the same engine as the app.

Every route but `/healthz` takes a bearer token when tokens are set (and `docqa api` sets
none only on loopback). Bad input is a 4xx whose JSON body names the field; nothing returns
a stack trace.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time,
# and those naming dependencies made inside create_app are local to it.
import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from app.about import pages_of
from app.auth import Actor, Role, Tokens
from app.ratelimit import RateLimited
from app.scope import ScopeError
from app.service import InputError, Question, Service
from docqa.errors import DocqaError
from ingest.buildinfo import IndexStateError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from app.engine import Engine
    from docqa.settings import Settings

log = logging.getLogger("docqa.api")
DESCRIPTION = (
    "Cited answers from {pages}, answered offline by docqa. An answer leads with what the "
    "pages say and names what they lack (partial, missing); a question they do not cover "
    "is refused."
)


class AskRequest(BaseModel):
    """A question, with the earlier questions of its conversation."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question.", examples=["How is job output encrypted?"])
    history: list[str] = Field(
        default_factory=list, description="Earlier questions of the conversation, oldest first."
    )
    guide: str | None = Field(
        default=None, description="Answer from this guide only (a folder of the indexed pages)."
    )
    k: int | None = Field(default=None, ge=1, le=50, description="Pages to retrieve.")
    stream: bool = Field(
        default=False,
        description="Stream server-sent events (`delta` pieces, then `answer`); also chosen "
        "by `Accept: text/event-stream`.",
    )


class Citation(BaseModel):
    """A numbered source of the answer."""

    model_config = ConfigDict(extra="allow")
    n: int
    page: str
    title: str
    section: str
    url: str
    passage: str


class AnswerOut(BaseModel):
    """The answer object of `docqa ask --json` (fields may be added, never renamed)."""

    model_config = ConfigDict(extra="allow")
    question: str
    answer: str = Field(description="The answer text, with [n] source markers.")
    refused: bool = Field(description="True when the pages do not answer the question.")
    reasons: list[str] = Field(description="Why a refusal was made.")
    citations: list[Citation]
    related: list[Citation] = Field(description="The closest pages, offered with a refusal.")


class Passage(BaseModel):
    """A retrieved passage."""

    rank: int
    page: str
    title: str
    section: str
    url: str
    text: str
    score: float


class SearchOut(BaseModel):
    """Passages only: no answer is composed."""

    query: str
    passages: list[Passage]


class StatusOut(BaseModel):
    """What the index that answers holds."""

    build_id: str
    pages: int
    chunks: int
    model: str
    built_at: str
    source: str
    guides: list[str]


class ErrorOut(BaseModel):
    """What went wrong, and the request field to fix when there is one."""

    error: str
    field: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 413, 422, 429, 503)
}


def create_app(settings: "Settings", engine: "Engine | None" = None) -> FastAPI:
    """The API over `engine` (one is made from the settings when none is given)."""
    if engine is None:
        from app.engine import Engine

        engine = Engine(settings)
    service = Service(settings, engine)
    tokens = Tokens(settings.serving.api_tokens)
    bearer = HTTPBearer(auto_error=False, description="An API token (`docqa token`).")

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Actor:
        if not tokens:
            return Actor("local", Role.VIEWER, "api")
        found = tokens.actor(credentials.credentials, "api") if credentials else None
        if found is None:
            raise Unauthorized
        return found

    described = DESCRIPTION.format(pages=pages_of(engine, settings.serving.docs_name))
    api = FastAPI(title="docqa", version="1", description=described)
    api.add_middleware(BodyLimit, max_bytes=settings.serving.max_body_bytes)
    _handlers(api)
    Caller = Annotated[Actor, Depends(caller)]

    @api.post("/v1/ask", response_model=AnswerOut, responses=ERRORS, tags=["answers"])
    def ask(body: AskRequest, request: Request, actor: Caller) -> Any:
        """Answer a question from the pages, with citations (page, section, URL), or refuse.
        Streams server-sent events when `stream` is true or the client accepts only them."""
        question = Question(body.question, tuple(body.history), body.guide, body.k)
        accept = request.headers.get("accept", "")
        if body.stream or accept.startswith("text/event-stream"):
            return StreamingResponse(
                service.stream(actor, question), media_type="text/event-stream"
            )
        return service.ask(actor, question)

    @api.get("/v1/search", response_model=SearchOut, responses=ERRORS, tags=["answers"])
    def search(
        actor: Caller,
        q: Annotated[str, Query(description="What to look for.")],
        k: Annotated[int | None, Query(ge=1, le=50, description="Pages to retrieve.")] = None,
    ) -> Any:
        """Passages for a query, best page first, each with its page, section and URL."""
        try:
            return service.search(actor, q, k)
        except InputError as exc:  # the service names the query; here it is `q`
            raise InputError("q", str(exc)) from exc

    @api.get("/v1/status", response_model=StatusOut, responses=ERRORS, tags=["index"])
    def status(actor: Caller) -> Any:
        """What the index holds and what built it."""
        return service.status()

    @api.get("/healthz", tags=["index"])
    def healthz() -> dict[str, bool]:
        """The process is up (no token needed)."""
        return {"ok": True}

    return api


class Unauthorized(Exception):
    """No valid bearer token."""


def _error(status: int, message: str, field: str | None = None, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status, headers=headers)


def _handlers(api: FastAPI) -> None:
    """Every failure as a JSON body: the field to fix, never a traceback."""

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query")]
        return _error(422, str(first.get("msg", "Invalid request")), ".".join(where) or None)

    @api.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(422, str(exc), exc.field)

    @api.exception_handler(ScopeError)
    async def bad_guide(request: Request, exc: ScopeError) -> JSONResponse:
        return _error(422, str(exc), "guide")

    @api.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        message = "A valid bearer token is required (Authorization: Bearer <token>)."
        return _error(401, message, "Authorization", **{"WWW-Authenticate": "Bearer"})

    @api.exception_handler(RateLimited)
    async def limited(request: Request, exc: RateLimited) -> JSONResponse:
        return _error(429, str(exc), **{"Retry-After": str(max(1, round(exc.retry_after)))})

    @api.exception_handler(IndexStateError)
    async def no_index(request: Request, exc: IndexStateError) -> JSONResponse:
        return _error(503, str(exc))

    @api.exception_handler(DocqaError)
    async def user_error(request: Request, exc: DocqaError) -> JSONResponse:
        return _error(400, str(exc))

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @api.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s", request.url.path, exc_info=exc)
        return _error(500, "Internal error; the details are in the server's log.")


class BodyLimit:
    """Refuse a request body over `max_bytes` (413), whether it says its length or not."""

    def __init__(self, app: "ASGIApp", max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: "Scope", receive: "Receive", send: "Send") -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:  # reading the body fails: the route answers 413
                raise HTTPException(413, f"The request body is larger than {self.max_bytes} bytes.")
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> JSONResponse:
    return _error(413, f"The request body is larger than {limit} bytes.")
