"""Load: 8 threads firing the eval questions at one Engine (embedded and server-backed) get the
single-threaded answers; soak: 20 browser-like sessions on `docqa serve`, RSS levelling off."""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

from app.engine import Engine
from docqa.settings import settings_env
from eval.questions import TUNE_QUESTIONS, load_questions

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
THREADS, ROUNDS = 8, 2
SESSIONS, PER_SESSION = 20, 3
ERROR_BOX = 1  # streamlit Alert.Format.ERROR


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep the figures in test-artifacts/load.json (and print them with -s)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "load.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(name, figures)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def view(
    engine: Engine, question: str, history: tuple[str, ...]
) -> tuple[str, bool, tuple[str, ...]]:
    answer = engine.ask(question, list(history))
    return answer.text, answer.refused, tuple(answer.cited_pages)


@pytest.fixture(scope="module")
def expected(real_engine) -> dict[tuple[str, tuple[str, ...]], Any]:  # type: ignore[no-untyped-def]
    """Every evaluation question answered once, single-threaded, by the embedded engine."""
    items = [(q.question, q.history) for q in load_questions(TUNE_QUESTIONS)]
    return {item: view(real_engine, *item) for item in items}


@pytest.fixture(params=["embedded", "server"])
def engine(request: pytest.FixtureRequest, real_embedder) -> Engine:  # type: ignore[no-untyped-def]
    if request.param == "embedded":
        return request.getfixturevalue("real_engine")  # type: ignore[no-any-return]
    settings = request.getfixturevalue("real_server_index")
    return Engine(settings, embedder=real_embedder)


def test_eight_threads_get_the_single_threaded_answers(
    engine: Engine, expected: dict[tuple[str, tuple[str, ...]], Any]
) -> None:
    jobs = list(expected) * ROUNDS
    random.Random(7).shuffle(jobs)

    def timed(item: tuple[str, tuple[str, ...]]) -> tuple[Any, float]:
        start = time.perf_counter()
        try:
            return view(engine, *item), (time.perf_counter() - start) * 1000
        except Exception as exc:  # counted, not raised: the figure is the point
            return exc, (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(timed, jobs))
    seconds = time.perf_counter() - start
    errors = [repr(got) for got, _ in results if isinstance(got, Exception)]
    # The server-backed engine must also give what the embedded one gives.
    differ = [
        item[0] for item, (got, _) in zip(jobs, results, strict=True) if got != expected[item]
    ]
    latencies = [ms for _, ms in results]
    mode = "server" if engine.settings.chroma_url else "embedded"
    record(
        f"engine-{mode}",
        {
            "questions": len(jobs),
            "threads": THREADS,
            "errors": len(errors),
            "different_answers": len(differ),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(p95(latencies), 1),
            "seconds": round(seconds, 1),
        },
    )
    assert len(jobs) >= 200
    assert errors == [], errors[:3]
    assert differ == [], differ[:3]


class Session:
    """One browser tab: its own websocket and Streamlit session, sending what the page sends."""

    def __init__(self, port: int) -> None:
        url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.ws = connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60)  # type: ignore[list-item]
        self.chat_id = ""

    def run(self, widgets: list[WidgetState] | None = None) -> list[Element]:
        """Rerun the script with these widget values; the elements it drew."""
        message = BackMsg(rerun_script=ClientState(query_string="", page_script_hash=""))
        message.rerun_script.widget_states.widgets.extend(widgets or [])
        self.ws.send(message.SerializeToString())
        drawn: list[Element] = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self.ws.recv(timeout=120))
            kind = forward.WhichOneof("type")
            if kind == "script_finished":
                return drawn
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                drawn.append(forward.delta.new_element)
                if drawn[-1].WhichOneof("type") == "chat_input":
                    self.chat_id = drawn[-1].chat_input.id

    def ask(self, question: str) -> list[Element]:
        """Type a question into the chat box and press Enter."""
        if not self.chat_id:
            self.run()
        state = WidgetState(id=self.chat_id)
        state.chat_input_value.data = question
        return self.run([state])


def problems(drawn: list[Element]) -> list[str]:
    """Error boxes and tracebacks on screen, or an answer with neither sources nor refusal."""
    alerts = [e.alert for e in drawn if e.WhichOneof("type") == "alert"]
    bad = [a.body for a in alerts if a.format == ERROR_BOX]
    bad += [e.exception.message for e in drawn if e.WhichOneof("type") == "exception"]
    text = "\n".join(e.markdown.body for e in drawn if e.WhichOneof("type") == "markdown")
    if "**Sources**" not in text and not any("Not in the documentation" in a.body for a in alerts):
        bad.append("neither an answer with sources nor a refusal")
    return bad


@pytest.fixture
def served(real_index, serve_app) -> Iterator[tuple[int, psutil.Process]]:  # type: ignore[no-untyped-def]
    """`docqa serve` over the real index, on a free port; its process for RSS."""
    with serve_app(settings_env(real_index)) as app:
        yield app.port, psutil.Process(app.child.pid)


def test_soak_twenty_sessions_no_errors_and_memory_levels_off(served) -> None:  # type: ignore[no-untyped-def]
    port, process = served
    questions = [q.question for q in load_questions(TUNE_QUESTIONS) if not q.history]
    errors: list[str] = []
    rss: list[int] = []
    done = threading.Event()
    start = time.perf_counter()

    def sample() -> None:
        while not done.is_set():
            rss.append(process.memory_info().rss)
            done.wait(0.25)

    def turns(tab: Session, n: int, half: int) -> list[str]:
        found: list[str] = []
        try:
            for i in range(PER_SESSION):
                found += problems(tab.ask(questions[(n * 7 + half * 3 + i) % len(questions)]))
        except Exception as exc:
            found.append(repr(exc))
        return found

    first = Session(port)
    assert turns(first, 0, 0) == []  # the first visitor loads the model; then the crowd comes
    first.ws.close()
    tabs = [Session(port) for _ in range(SESSIONS)]
    sampler = threading.Thread(target=sample)
    sampler.start()
    marks = []
    try:
        for half in range(2):  # the same 20 tabs go on asking: memory must level off
            with ThreadPoolExecutor(SESSIONS) as pool:
                for found in pool.map(lambda n, h=half: turns(tabs[n], n, h), range(SESSIONS)):
                    errors += found
            marks.append(process.memory_info().rss)
    finally:
        done.set()
        sampler.join()
        for tab in tabs:
            tab.ws.close()
    mb = 1024 * 1024
    growth = (marks[1] - marks[0]) / mb
    record(
        "soak",
        {
            "sessions": SESSIONS,
            "questions": 2 * SESSIONS * PER_SESSION,
            "errors": len(errors),
            "rss_mb_after_first_half": round(marks[0] / mb, 1),
            "rss_mb_after_second_half": round(marks[1] / mb, 1),
            "rss_mb_peak": round(max(rss) / mb, 1),
            "growth_last_half_mb": round(growth, 1),
            "seconds": round(time.perf_counter() - start, 1),
        },
    )
    assert errors == [], errors[:5]
    assert growth < max(30.0, 0.05 * marks[0] / mb), f"RSS grew {growth:.1f} MB in the last half"
