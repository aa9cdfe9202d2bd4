"""Questions: cleaning, and what a follow-up leans on."""

from __future__ import annotations

import pytest

from app.models import Answer, Citation
from app.question import asking_spans, conversation, is_short, leans_back
from docqa.sections import ReaderSettings
from ingest.sentences import sentence_spans
from tests.support.answers import said


def answered(question: str, pages: list[str], refused: bool = False) -> Answer:
    citations = tuple(Citation(n, p, "", "", "", (), 0.0) for n, p in enumerate(pages, 1))
    return Answer(question, said(("text", 1)), refused, citations=citations)


SHORT = ReaderSettings().short_question


@pytest.mark.parametrize(
    "question",
    ["and from the CLI?", "is there a better way to handle that?", "why?", "What about it?"],
)
def test_continuations_lean_on_the_conversation(question: str) -> None:
    assert leans_back(question, SHORT)


@pytest.mark.parametrize(
    "question",
    [
        "How do I encrypt gadget output with my own key?",
        "Which permissions does the gadget console need to list shelves and read documents?",
    ],
)
def test_whole_questions_stand_alone(question: str) -> None:
    assert not leans_back(question, SHORT)


def test_a_long_question_that_points_back_is_not_short() -> None:
    long = (
        "does it still apply when the gadget job runs in a private network with no internet "
        "access and custom keys"
    )
    assert not is_short(long, SHORT) and not leans_back(long, SHORT)
    assert is_short("does it apply to jobs?", SHORT) and leans_back("does it apply to jobs?", SHORT)


def test_the_conversation_keeps_every_question_and_the_last_answers_pages() -> None:
    chat = conversation([answered("first?", ["a"]), "second?", answered("third?", ["b", "c"])])
    assert chat.earlier == ("first?", "second?", "third?")
    assert chat.cited == ("b", "c")
    assert chat.text("and then?") == "first? second? third? and then?"


def test_a_refused_last_answer_gives_no_pages_to_lean_on() -> None:
    assert conversation([answered("q?", ["a"]), answered("r?", [], refused=True)]).cited == ()
    assert conversation(["  ", "q?"]).earlier == ("q?",)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        (
            "We keep gadgets in two regions. The night job failed twice. Can it retry on its own?",
            "Can it retry on its own?",
        ),
        (
            "Got `AccessDenied: user/app is not authorized to perform: gadget:Get`. Why? "
            "What do I add?",
            "Why? What do I add?",
        ),
        # No question mark: the last sentence is taken to ask.
        ("Our gadgets sit in a private network. tell me which endpoint to use", None),
        ("Our gadgets sit in a private network. Tell me which endpoint to use.", None),
    ],
)
def test_the_asking_part_of_a_question_with_a_story(question: str, asks: str | None) -> None:
    expected = asks or question.rsplit(". ", 1)[-1]
    assert " ".join(question[a:b] for a, b in asking_spans(question)) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Can gadgets retry on their own?",
        "why?",
        "Which key encrypts gadgets, e.g. at rest? And in transit?",
        "gadget retries",
    ],
)
def test_a_question_that_only_asks_has_no_asking_part(question: str) -> None:
    assert asking_spans(question) == ()


def test_sentences_are_spans_of_the_text_and_abbreviations_end_none() -> None:
    text = "Keys rotate, e.g. yearly. Logs go to a trail!  why not? ok"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Keys rotate, e.g. yearly.",
        "Logs go to a trail!",
        "why not?",
        "ok",
    ]
    assert asking_spans(text) == (spans[2],)
    assert asking_spans("why not?") == ()
