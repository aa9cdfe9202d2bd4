"""The docqa command, in-process with Click's CliRunner, and its start-up cost."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.engine import Engine
from docqa.cli import cli
from tests.support.embedders import FAKE


def run(settings, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    env = {
        "DOCQA_DATA_DIR": str(settings.data_dir),
        "DOCQA_EMBED_MODEL": settings.embed_model,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)


def test_help_does_not_import_torch_or_chromadb() -> None:
    code = (
        "import sys; from docqa.cli import main; sys.argv=['docqa','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch','chromadb','sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_ingest_json_then_status(settings, security_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(settings, "ingest", "--corpus", str(security_corpus), "--json", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["added"]) == 16 and report["chunks"] > 16
    again = json.loads(run(settings, "ingest", "--corpus", str(security_corpus), "--json").stdout)
    assert again["embedded_chunks"] == 0 and len(again["unchanged"]) == 16
    status = json.loads(run(settings, "status", "--json").stdout)
    assert status["pages"] == 16 and status["model"] == settings.embed_model


def test_ask_json_shape(fake_index) -> None:  # type: ignore[no-untyped-def]
    question = "What does the ComprehendFullAccess managed policy allow?"
    result = run(fake_index, "ask", "--json", question)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "refused", "citations", "related", "timings_ms"}
    assert data["question"] == question
    assert not data["refused"] and data["reasons"] == [], data["reasons"]
    assert "ComprehendFullAccess" in data["answer"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    assert markers == {c["n"] for c in data["citations"]} != set()
    assert "security-iam-awsmanpol" in {c["page"] for c in data["citations"]}
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    for c in data["citations"]:
        assert set(c) == {"n", "page", "title", "section", "url", "passage", "score"}


EARLIER = "Which KMS key encrypts the results a Comprehend job writes to S3?"
FOLLOW_UP = "and the models I train myself?"


@pytest.mark.parametrize("history_text", [json.dumps([EARLIER]), f"{EARLIER}\n"])
def test_ask_reads_stdin_and_history_file(fake_index, tmp_path: Path, history_text: str) -> None:  # type: ignore[no-untyped-def]
    history = tmp_path / "history.txt"
    history.write_text(history_text)
    result = run(fake_index, "ask", "--json", "--history", str(history), input=f"  {FOLLOW_UP}\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["question"] == FOLLOW_UP, "the question is the one read from stdin"
    engine = Engine(fake_index)
    followed = engine.ask(FOLLOW_UP, [engine.ask(EARLIER)])
    alone = engine.ask(FOLLOW_UP)
    assert (alone.text, alone.refused) != (followed.text, followed.refused), "history matters"
    assert (data["answer"], data["refused"]) == (followed.text, followed.refused)
    assert [c["page"] for c in data["citations"]] == [c.page for c in followed.citations]


def test_a_refusal_says_why(fake_index) -> None:  # type: ignore[no-untyped-def]
    result = run(fake_index, "ask", "What is the best pizza in Naples?")
    assert result.exit_code == 0, result.output
    assert "do not answer" in result.stdout
    why = next(line for line in result.stdout.splitlines() if line.startswith("Why: "))
    data = json.loads(run(fake_index, "ask", "--json", "What is the best pizza in Naples?").stdout)
    assert data["refused"] and data["reasons"] and not data["citations"]
    assert why == f"Why: {'; '.join(data['reasons'])}."


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_a_user_error(fake_index, question: str) -> None:  # type: ignore[no-untyped-def]
    result = run(fake_index, "ask", question)
    assert result.exit_code == 1 and "Error: The question is empty" in result.output


def test_no_index_is_a_clear_error(settings) -> None:  # type: ignore[no-untyped-def]
    result = run(settings, "ask", "anything")
    assert result.exit_code == 1 and "docqa ingest" in result.output


def test_usage_error_exits_2(settings) -> None:  # type: ignore[no-untyped-def]
    assert run(settings, "ingest", "--no-such-flag").exit_code == 2


def test_missing_corpus_folder(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(settings, "ingest", "--corpus", str(tmp_path / "nowhere"))
    assert result.exit_code != 0
