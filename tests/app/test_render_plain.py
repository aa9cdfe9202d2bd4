"""Answers as plain text and as JSON data: what the CLI prints and the evaluation reads."""

from __future__ import annotations

from app.models import Answer, AnswerBlock, Citation, Quote
from app.render.data import answer_data
from app.render.plain import REFUSAL, answer_text
from ingest.models import Block

SOURCE = Citation(1, "p", "Page", "Sec", "https://x.test/p#s", (Block("paragraph", "x"),), 0.5)


def test_each_block_is_written_in_its_shape_with_its_markers() -> None:
    blocks = (
        AnswerBlock("label", (Quote("title", "Seal the door", (1,)),)),
        AnswerBlock("prose", (Quote("sentence", "Turn it.", (1,)), Quote("sentence", "Go.", (2,)))),
        AnswerBlock(
            "list",
            (Quote("item", "one", (1,), number=1, depth=1), Quote("item", "sub", (1,), depth=2)),
        ),
        AnswerBlock(
            "table",
            (
                Quote("header", "| K | V |", (1,), cells=("K", "V")),
                Quote("row", "| a | b |", (1,), cells=("a", "b")),
            ),
        ),
        AnswerBlock("code", (Quote("code", "echo hi", (1,), info="sh"),)),
    )
    text = answer_text(Answer("q", blocks, False, citations=(SOURCE,)))
    assert text == (
        "Seal the door [1]\n\nTurn it. [1] Go. [2]\n\n1. one [1]\n  - sub [1]\n\n"
        "| K | V |\n| --- | --- |\n| a | b |\n[1]\n\n```sh\necho hi\n```\n[1]"
    )
    bare = answer_text(Answer("q", blocks, False), markers=False)
    assert "[" not in bare.replace("[1]", "x") and "[1]" not in bare


def test_a_refusal_reads_as_one_plain_line_and_json_carries_the_blocks() -> None:
    refused = Answer("q", (), True, reasons=("nothing close",))
    assert answer_text(refused) == REFUSAL
    data = answer_data(refused)
    assert data["answer"] == REFUSAL and data["refused"] and data["blocks"] == []
    said = Answer("q", (AnswerBlock("prose", (Quote("sentence", "A.", (1,)),)),), False, (SOURCE,))
    data = answer_data(said)
    assert data["answer"] == "A. [1]"
    assert data["blocks"] == [{"kind": "prose", "text": "A.", "citations": [1]}]
    assert data["citations"][0]["passage"] == "x"
