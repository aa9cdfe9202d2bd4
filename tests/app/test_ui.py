"""The Streamlit app through AppTest, over an index of the 16 pages built with the fake embedder."""

from __future__ import annotations

import json
import re
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app import evalrun, feedback
from app.engine import Engine
from ingest.store import open_store
from tests.support.embedders import FAKE

MAIN = Path(__file__).resolve().parents[2] / "app" / "ui" / "main.py"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"
DOCS_LINK = "](https://docs.aws.amazon.com/comprehend/latest/dg/"


@pytest.fixture
def app_settings(fake_index, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The fake index's settings, passed to the script the way `docqa serve` does."""
    monkeypatch.setenv("DOCQA_DATA_DIR", str(fake_index.data_dir))
    monkeypatch.setenv("DOCQA_EMBED_MODEL", fake_index.embed_model)
    monkeypatch.setenv("DOCQA_EMBED_BACKEND", FAKE)
    return fake_index


def start() -> AppTest:
    return AppTest.from_file(str(MAIN), default_timeout=60).run()


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def assistant(at: AppTest, n: int = -1) -> Any:
    return [m for m in at.chat_message if m.name == "assistant"][n]


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def unescaped(markdown: str) -> str:
    """Markdown source without its backslash escapes: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(block: Any) -> str:
    return "\n".join(str(m.value) for m in block.markdown)


def test_question_is_answered_with_cited_sources(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), QUESTION)
    reply = assistant(at)
    assert DOCS_LINK in texts(reply) and "#" in texts(reply)
    assert "**Sources**" in texts(reply)
    passages = [e for e in reply.expander if e.label.startswith("Passage")]
    assert passages and len(passages) == len(reply.expander) - (
        "More from the pages" in [e.label for e in reply.expander]
    )
    assert not at.error
    at.run()  # the conversation is replayed on a rerun
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert DOCS_LINK in texts(assistant(at))


def test_the_lead_stands_first_and_the_supporting_quotes_fold_under_it(
    app_settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app.models import Answer, AnswerBlock, Citation, Quote
    from ingest.models import Block

    url = "https://docs.aws.amazon.com/comprehend/latest/dg/gadgets.html#locks"
    cited = Citation(1, "gadgets", "Gadgets", "Gadget locks", url, (Block("paragraph", "x"),), 0.9)
    blocks = (
        AnswerBlock("prose", (Quote("sentence", "Gadgets lock with a brass key.", (1,)),)),
        AnswerBlock("prose", (Quote("sentence", "Spare keys hang by the door.", (1,)),), "support"),
    )

    def canned(self: Engine, question: str, *args: Any, **kwargs: Any) -> Answer:
        return Answer(question, blocks, False, citations=(cited,), missing=("GadgetVault",))

    monkeypatch.setattr(Engine, "ask", canned)
    reply = assistant(ask(start(), "How do gadgets lock, and does GadgetVault help?"))
    first = reply.markdown[0].value
    assert first.startswith("Gadgets lock with a brass key\\.") and "Spare keys" not in first
    assert "The pages do not mention GadgetVault\\." in first, "the gap is named under the lead"
    folded = [e for e in reply.expander if e.label == "More from the pages"]
    assert folded and "Spare keys hang by the door" in folded[0].markdown[0].value


def test_follow_up_passes_earlier_questions(app_settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[list[str]] = []
    original = Engine.ask

    def spy(
        self: Engine, question: str, history: Any = (), k: int | None = None, scope: Any = None
    ) -> Any:
        seen.append(list(history))
        return original(self, question, history, k, scope)

    monkeypatch.setattr(Engine, "ask", spy)
    at = ask(ask(start(), QUESTION), "and custom models?")
    assert seen[0] == [] and [a.question for a in seen[1]] == [QUESTION]
    assert seen[1][0].citations, "the follow-up gets the earlier answer, with its sources"
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    assert DOCS_LINK in texts(assistant(at))


def test_labels_show_bold_and_rows_as_a_table(app_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.models import Answer, AnswerBlock, Citation, Quote
    from ingest.models import Block

    url = "https://docs.aws.amazon.com/comprehend/latest/dg/gadgets.html#locks"
    table = Block("table", cells=(("Gadget", "Lock"), ("Red", "steel")))
    cited = Citation(1, "gadgets", "Gadgets", "Gadget locks", url, (table,), 0.9, titled=True)
    blocks = (
        AnswerBlock("label", (Quote("heading", "Gadget locks", (1,)),)),
        AnswerBlock(
            "table",
            (
                Quote("header", "| Gadget | Lock |", (1,), cells=("Gadget", "Lock")),
                Quote("row", "| Red | steel |", (1,), cells=("Red", "steel")),
            ),
        ),
    )

    def canned(self: Engine, question: str, *args: Any, **kwargs: Any) -> Answer:
        return Answer(question, blocks, False, citations=(cited,))

    monkeypatch.setattr(Engine, "ask", canned)
    at = ask(start(), "Which lock does the red gadget have?")
    for shown in (texts(assistant(at)), assistant(at).expander[0].markdown[0].value):
        assert shown.startswith("**Gadget locks**"), "bold, not asterisks shown as typed"
        assert "| Gadget | Lock |\n| --- | --- |\n| Red | steel |" in shown, "a table"


def test_refusal_lists_no_sources(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), "What is the capital of France?")
    reply = assistant(at)
    assert "Not in the documentation" in reply.info[0].value
    assert "Why:" in reply.info[0].value and "close in meaning" in reply.info[0].value
    assert "Sources" not in texts(reply) and not reply.expander
    assert "Closest pages" in texts(reply)


def test_example_button_asks_it(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = start()
    at.button(key="example-0").click().run()
    assert at.chat_message[0].markdown[0].value.startswith("How does Amazon Comprehend")
    assert DOCS_LINK in texts(assistant(at))


def test_feedback_is_stored_with_reason(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), QUESTION)
    at.feedback[0].set_value(0).run()
    path = feedback.feedback_path(app_settings)
    first = feedback.load_feedback(path)
    assert len(first) == 1 and first[0].rating == "down" and first[0].reason == ""
    assert first[0].question == QUESTION and first[0].cited_pages
    at.text_input[0].input("Too long").run()
    stored = feedback.load_feedback(path)
    assert len(stored) == 1 and stored[0].reason == "Too long" and stored[0].answer
    assert len(path.read_text().splitlines()) == 2


def test_new_conversation_clears_it(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), QUESTION)
    button(at, "New conversation").click().run()
    assert not at.chat_message
    assert button(at, QUESTION)


def test_script_in_a_question_is_shown_as_text(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), "<script>alert('x')</script> **bold** [link](javascript:alert(1)) KMS?")
    shown = at.chat_message[0].markdown[0].value
    assert "\\<script\\>" in shown and "<script>" not in shown
    assert "\\*\\*bold\\*\\*" in shown and "](javascript" not in shown
    assert not at.get("html")
    assert not any(m.proto.allow_html for m in at.markdown)


def test_long_question_is_cut_with_a_notice(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), "How does KMS encryption work? " + "padding " * 400)
    assert any("cut" in w.value for w in at.warning)
    assert at.chat_message[0].markdown[0].value.endswith("…")


def test_a_typo_is_read_as_the_pages_word_with_a_notice(app_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.support.embedders import FakeEmbedder

    monkeypatch.setattr(FakeEmbedder, "vocabulary", lambda self: frozenset({"how", "work"}))
    at = ask(start(), "How does KMS encrpytion work?")
    shown = [w.value.replace("\\", "") for w in at.warning]  # shown as plain text
    assert any('"encryption" for "encrpytion"' in w for w in shown), shown
    assert at.warning[0].proto.icon == ":material/spellcheck:"
    assert "KMS" in texts(assistant(at))


def test_empty_question_shows_the_fix(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = ask(start(), "   \u200b ")
    assert "question is empty" in at.error[0].value
    assert not at.exception


def test_index_errors_show_the_fix(app_settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCQA_EMBED_MODEL", "fake-other-384")
    monkeypatch.setenv("DOCQA_EMBED_BACKEND", FAKE)
    at = ask(start(), QUESTION)
    message = unescaped(at.error[0].value)
    assert "fake-other-384" in message and "docqa ingest --rebuild" in message
    assert "Re-embed every page" in at.sidebar.warning[0].value
    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "empty"))
    at = ask(start(), QUESTION)
    message = unescaped(at.error[0].value)
    assert "No index" in message and "docqa ingest" in message
    monkeypatch.setenv("DOCQA_CHROMA_URL", "http://127.0.0.1:9")
    at = ask(start(), QUESTION)
    assert "Cannot reach the Chroma server" in unescaped(at.error[0].value)
    assert not at.exception


def test_rebuild_publishes_a_new_build_the_app_answers_from(  # type: ignore[no-untyped-def]
    app_settings, security_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(security_corpus, pages)
    monkeypatch.setenv("DOCQA_CORPUS_DIR", str(pages))
    at = ask(start(), QUESTION)
    before = open_store(app_settings).current_id()
    with (pages / "kms-in-comprehend.md").open("a", encoding="utf-8") as page:
        page.write("\n\n## Zebra rotation\n\nZebra keys rotate every quasar cycle.\n")
    at.sidebar.button[0].click().run()
    assert not at.exception and not at.error
    status = at.status[0]
    assert status.state == "complete" and "New index published" in status.label
    assert open_store(app_settings).current_id() != before
    at = ask(at, "How often do zebra keys rotate in Amazon Comprehend?")
    assert "quasar cycle" in texts(assistant(at))


def test_evaluation_page_shows_a_results_folder(app_settings, eval_run: Path) -> None:  # type: ignore[no-untyped-def]
    at = start()
    at.switch_page("evaluation.py").run()
    assert not at.exception
    assert at.selectbox[0].value == eval_run
    assert len(at.dataframe) == 3
    assert len(at.image) == 1
    systems = at.dataframe[0].value
    assert list(systems.columns) == ["metric", "docqa", "bm25"]
    outcome = next(s for s in at.selectbox if s.label == "Outcome")
    outcome.set_value("missed page").run()
    assert any("1 of 8 results" in c.value for c in at.caption)
    page = next(s for s in at.selectbox if s.label == "Page")
    page.set_value("widget-rotation").run()
    assert at.dataframe[-1].value["id"].tolist() == ["w2"]


def test_evaluation_page_without_runs_says_how(app_settings) -> None:  # type: ignore[no-untyped-def]
    at = start()
    at.switch_page("evaluation.py").run()
    assert "docqa eval" in at.info[0].value


def test_run_evaluation_button(app_settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    writer = Path(__file__).with_name("conftest.py")
    script = (
        "import importlib.util, sys, time\n"
        f"spec = importlib.util.spec_from_file_location('fx', {str(writer)!r})\n"
        "fx = importlib.util.module_from_spec(spec); spec.loader.exec_module(fx)\n"
        "from docqa.progress import JsonlProgress\n"
        "JsonlProgress()('asking (docqa)', 2, 4)\n"
        "time.sleep(0.5)\n"
        "fx.write_run(__import__('pathlib').Path(sys.argv[1]), 'fresh-run')\n"
    )
    monkeypatch.setattr(evalrun, "eval_command", lambda out: [sys.executable, "-c", script, out])
    at = start()
    at.switch_page("evaluation.py").run()
    button(at, "Run evaluation").click().run()
    assert not at.exception
    assert at.status[0].state == "complete"
    assert at.selectbox[0].value.name == "fresh-run"


class _ChatStub(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint streaming one canned reply (our own words)."""

    reply = "Volume encryption needs <b>kms:CreateGrant</b> [1]."

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        head = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "stub"}
        deltas = [{"content": w + " "} for w in self.reply.split(" ")] + [{}]
        for n, delta in enumerate(deltas):
            done = "stop" if n == len(deltas) - 1 else None
            choice = {"delta": delta, "index": 0, "finish_reason": done}
            self.wfile.write(f"data: {json.dumps({**head, 'choices': [choice]})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: Any) -> None:
        return


def test_llm_mode_streams_and_keeps_checked_citations(app_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DOCQA_ANSWER_MODE", "llm")
        monkeypatch.setenv("DOCQA_LLM_MODEL", "stub-model")
        monkeypatch.setenv("DOCQA_LLM_PROVIDER", "openai")
        monkeypatch.setenv("DOCQA_LLM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
        monkeypatch.setenv("DOCQA_LLM_API_KEY", "not-a-key")
        at = start()
        assert at.sidebar.radio[0].value == "llm"
        reply = assistant(ask(at, "Which KMS permission is needed for volume encryption?"))
        answer = reply.markdown[0].value
        assert "\\<b\\>kms\\:CreateGrant\\</b\\>" in answer and DOCS_LINK in answer
        assert "**Sources**" in texts(reply)
    finally:
        server.shutdown()
        server.server_close()
