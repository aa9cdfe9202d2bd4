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
        "Seal the door [1]\n\nTurn it. Go. [1][2]\n\n1. one\n  - sub\n\n"
        "| K | V |\n| --- | --- |\n| a | b |\n\n```sh\necho hi\n```\n[1]"
    ), "a run of blocks citing the same sources is marked once, after its last block"
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
    assert data["blocks"] == [{"kind": "prose", "role": "lead", "text": "A.", "citations": [1]}]
    assert data["partial"] is False and data["missing"] == []
    assert data["citations"][0]["passage"] == "x"


def test_what_the_pages_lack_is_said_after_the_lead_and_marks_the_answer_partial() -> None:
    lead = AnswerBlock("prose", (Quote("sentence", "Trails log calls.", (1,)),))
    more = AnswerBlock("prose", (Quote("sentence", "Logs go to S3.", (1,)),), "support")
    gap = ("GuardDuty", "how many days")
    said = Answer("q", (lead, more), False, (SOURCE,), missing=gap)
    assert answer_text(said) == (
        "Trails log calls. [1]\n\nThe pages do not mention GuardDuty or say how many days."
        "\n\nLogs go to S3. [1]"
    )
    assert said.partial and answer_data(said)["missing"] == list(gap)
    assert not Answer("q", (), True, missing=gap).partial, "a refusal is not partial"
