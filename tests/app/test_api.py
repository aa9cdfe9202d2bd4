"""The HTTP API as a client meets it: `docqa api` (uvicorn) on 127.0.0.1, driven with httpx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from app.auth import hash_token
from app.engine import Engine
from docqa.cli import cli
from docqa.settings import Settings, settings_env
from ingest.pipeline import run_ingest
from ingest.store import open_store
from tests.support.answers import without_timings
from tests.support.embedders import FAKE, FAKE_MODEL, FakeEmbedder
from tests.support.servers import Running, serving

TOKEN, OTHER = "dq_test_token_one", "dq_test_token_two"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"
FOLLOW_UP = "and what about custom models?"


def api_env(settings: Settings, **serving: Any) -> dict[str, str]:
    """The child's DOCQA_* variables: the index, one token hashed and one plain."""
    tokens = [hash_token(TOKEN), OTHER]
    return settings_env(
        settings, serving={"api_tokens": tokens, "questions_per_minute": 1000, **serving}
    )


@pytest.fixture(scope="module")
def api(index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    log = tmp_path_factory.mktemp("api-log") / "api.log"
    with serving(["docqa", "api", "--port", "{port}"], api_env(index), log) as running:
        yield running


@pytest.fixture
def client(api: Running) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=api.url, headers=headers, timeout=60) as http:
        yield http


def test_health_needs_no_token_and_everything_else_does(api: Running) -> None:
    assert httpx.get(f"{api.url}/healthz").json() == {"ok": True}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        reply = httpx.get(f"{api.url}/v1/status", headers=headers)
        assert reply.status_code == 401, headers
        assert reply.json()["field"] == "Authorization"
        assert reply.headers["www-authenticate"] == "Bearer"
    reply = httpx.get(f"{api.url}/v1/status", headers={"Authorization": f"Bearer {OTHER}"})
    assert reply.status_code == 200


def test_ask_returns_the_answer_object_of_docqa_ask_json(
    client: httpx.Client, index: Settings
) -> None:
    reply = client.post("/v1/ask", json={"question": QUESTION})
    assert reply.status_code == 200
    got = reply.json()
    env = {k: v for k, v in settings_env(index).items()}
    cli_run = CliRunner().invoke(cli, ["ask", "--json", QUESTION], env=env)
    assert cli_run.exit_code == 0, cli_run.output
    expected = json.loads(cli_run.stdout)
    assert without_timings(got) == without_timings(expected)
    assert got["citations"] and all(c["url"].startswith("https://") for c in got["citations"])
    assert {"page", "section", "url"} <= set(got["citations"][0])


def test_a_follow_up_reads_its_history_as_docqa_ask_does(
    client: httpx.Client, index: Settings, tmp_path: Path
) -> None:
    reply = client.post("/v1/ask", json={"question": FOLLOW_UP, "history": [QUESTION]})
    history = tmp_path / "history.json"
    history.write_text(json.dumps([QUESTION]))
    cli_run = CliRunner().invoke(
        cli, ["ask", "--json", "--history", str(history), FOLLOW_UP], env=settings_env(index)
    )
    assert reply.status_code == 200 and cli_run.exit_code == 0, cli_run.output
    assert without_timings(reply.json()) == without_timings(json.loads(cli_run.stdout))


def test_ask_streams_server_sent_events_ending_with_the_answer(client: httpx.Client) -> None:
    plain = client.post("/v1/ask", json={"question": QUESTION}).json()
    events: list[tuple[str, Any]] = []
    with client.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in reply.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    names = [name for name, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"}
    assert "".join(data["text"] for _, data in events[:-1]) == plain["answer"]
    assert without_timings(events[-1][1]) == without_timings(plain)
    accept = {"Accept": "text/event-stream"}
    with client.stream("POST", "/v1/ask", json={"question": QUESTION}, headers=accept) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")


def test_search_returns_passages_with_page_and_url(client: httpx.Client) -> None:
    reply = client.get("/v1/search", params={"q": "VPC endpoint", "k": 3})
    assert reply.status_code == 200
    passages = reply.json()["passages"]
    assert passages and "answer" not in reply.json()
    assert len({p["page"] for p in passages}) <= 3
    assert all(p["url"].startswith("https://docs.aws.amazon.com/") for p in passages)
    assert [p["rank"] for p in passages] == sorted(p["rank"] for p in passages)


def test_status_says_what_the_index_holds(client: httpx.Client, index: Settings) -> None:
    status = client.get("/v1/status").json()
    info = open_store(index).info()
    assert info is not None
    assert (status["build_id"], status["pages"], status["chunks"]) == (
        info.build_id,
        info.pages,
        info.chunks,
    )
    assert status["pages"] == 16


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": 5}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": "ok?", "k": 0}, "k"),
        ({"question": "ok?", "history": "not a list"}, "history"),
        ({"question": "ok?", "history": ["x" * 2001]}, "history.0"),
        ({"question": "ok?", "history": ["q?"] * 21}, "history"),
        ({"question": "ok?", "colour": "red"}, "colour"),
        ({"question": "ok?", "guide": "no-such-guide"}, "guide"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    reply = client.post("/v1/ask", json=body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["field"] == field and reply.json()["error"]
    assert "Traceback" not in reply.text


def test_malformed_or_oversized_bodies_are_refused_without_a_trace(client: httpx.Client) -> None:
    broken = client.post(
        "/v1/ask", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and "error" in broken.json()
    huge = client.post("/v1/ask", json={"question": "x" * 70_000})
    assert huge.status_code == 413 and "larger than" in huge.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it comes
        yield b'{"question": "'
        for _ in range(80):
            yield b"x" * 1000
        yield b'"}'

    streamed = client.post(
        "/v1/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "Traceback" not in broken.text + huge.text + streamed.text
    assert client.get("/v1/search").json()["field"] == "q"
    assert client.get("/v1/search", params={"q": "  "}).json()["field"] == "q"
    assert client.get("/v1/search", params={"q": "x" * 2001}).status_code == 422


def test_the_openapi_page_documents_every_route(api: Running) -> None:
    spec = httpx.get(f"{api.url}/openapi.json").json()
    routes = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes == {
        ("/v1/ask", "post"),
        ("/v1/search", "get"),
        ("/v1/status", "get"),
        ("/healthz", "get"),
    }
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert op.get("description") or op.get("summary"), path
    assert "Amazon Comprehend" in spec["info"]["description"]
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
    assert httpx.get(f"{api.url}/docs").status_code == 200


def test_each_token_has_its_own_limit_with_a_clear_message(index: Settings, tmp_path: Path) -> None:
    env = api_env(index, questions_per_minute=2)
    with serving(["docqa", "api", "--port", "{port}"], env, tmp_path / "api.log") as limited:
        first = {"Authorization": f"Bearer {TOKEN}"}
        second = {"Authorization": f"Bearer {OTHER}"}
        url = f"{limited.url}/v1/ask"
        codes = [
            httpx.post(url, json={"question": QUESTION}, headers=first).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        over = httpx.post(url, json={"question": QUESTION}, headers=first)
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        assert "questions in the last minute" in over.json()["error"]
        assert httpx.post(url, json={"question": QUESTION}, headers=second).status_code == 200
    events = [
        json.loads(line) for line in (index.data_dir / "audit.jsonl").read_text().splitlines()
    ]
    limited_events = [e for e in events if e["event"] == "rate-limited"]
    assert limited_events and all(QUESTION not in json.dumps(e) for e in events)


def test_binding_beyond_loopback_needs_tokens(index: Settings) -> None:
    result = CliRunner().invoke(cli, ["api", "--host", "0.0.0.0"], env=settings_env(index))
    assert result.exit_code == 1
    assert "Error:" in result.output and "DOCQA_SERVING__API_TOKENS" in result.output
    mcp = CliRunner().invoke(cli, ["mcp", "--http", "--host", "0.0.0.0"], env=settings_env(index))
    assert mcp.exit_code == 1 and "DOCQA_SERVING__API_TOKENS" in mcp.output


def test_answers_in_process_and_over_http_agree(client: httpx.Client, index: Settings) -> None:
    engine = Engine(index)
    for question in (QUESTION, "What is the capital of France?"):
        local = engine.ask(question).to_json()
        remote = client.post("/v1/ask", json={"question": question}).json()
        assert without_timings(remote) == without_timings(local)


QUESTIONS = (
    QUESTION,
    "Which AWS services does Comprehend use to encrypt data at rest?",
    "How do I keep Comprehend traffic inside my VPC?",
    "What does the confused deputy problem mean for service roles?",
    "Are Comprehend API calls logged in CloudTrail?",
    "Which compliance programs cover Amazon Comprehend?",
    "Can I use identity-based policies to limit access to Comprehend?",
    "What is the capital of France?",
)


@pytest.mark.slow
def test_concurrent_clients_while_the_index_is_rebuilt(
    tmp_path: Path, security_corpus: Path, revised_corpus: Path, wait_for: Any
) -> None:
    """8 clients ask while a new build of other pages is published under the server: no
    error, and every answer is the one build A or build B gives, never a mix."""
    import threading

    settings = Settings(data_dir=tmp_path / "data", embed_model=FAKE_MODEL, embed_backend=FAKE)
    run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), security_corpus)
    first = {q: without_timings(Engine(settings).ask(q).to_json()) for q in QUESTIONS}
    got: list[tuple[str, dict[str, Any]]] = []
    errors: list[str] = []
    stop = threading.Event()
    env = api_env(settings, questions_per_minute=0)

    def client(api: Running, n: int) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=api.url, headers=headers, timeout=120) as http:
            while not stop.is_set():
                question = QUESTIONS[(n + len(got)) % len(QUESTIONS)]
                try:
                    reply = http.post("/v1/ask", json={"question": question})
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                if reply.status_code != 200:
                    errors.append(f"{reply.status_code}: {reply.text[:200]}")
                else:
                    got.append((question, without_timings(reply.json())))

    with serving(["docqa", "api", "--port", "{port}"], env, tmp_path / "api.log") as api:
        clients = [threading.Thread(target=client, args=(api, n)) for n in range(8)]
        for thread in clients:
            thread.start()
        try:
            wait_for(lambda: len(got) >= 24, "answers from the first build")
            run_ingest(settings, lambda: FakeEmbedder(FAKE_MODEL), revised_corpus)
            second_id = open_store(settings).current_id()
            headers = {"Authorization": f"Bearer {TOKEN}"}
            status = f"{api.url}/v1/status"
            wait_for(
                lambda: httpx.get(status, headers=headers).json()["build_id"] == second_id,
                "the server to switch to the new build",
            )
            mark = len(got)
            wait_for(lambda: len(got) >= mark + 24, "answers from the new build")
        finally:
            stop.set()
            for thread in clients:
                thread.join()
    second = {q: without_timings(Engine(settings).ask(q).to_json()) for q in QUESTIONS}
    changed = [q for q in QUESTIONS if first[q] != second[q]]
    assert changed, "the two builds answer alike: this test could not tell them apart"
    assert errors == [], errors[:3]
    mixed = [q for q, answer in got if answer not in (first[q], second[q])]
    assert mixed == [], mixed[:3]
    assert any(answer == second[q] for q, answer in got if q in changed)
