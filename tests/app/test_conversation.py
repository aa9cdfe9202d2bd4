"""The chat as plain data."""

from __future__ import annotations

import pytest

from app.conversation import EXAMPLES, Turn, history, shown_question
from app.models import Answer
from app.question import CleanedQuestion, clean_question, conversation
from docqa.settings import Settings
from tests.support.answers import said


def test_history_is_the_questions_the_engine_saw() -> None:
    turns = [
        Turn("  first ", Answer("first", said(("A", 1)), False)),
        Turn("broken", error="No index"),
        Turn("second", Answer("second", (), True)),
    ]
    assert [a.question for a in history(turns)] == ["first", "second"]
    assert history(turns)[1].refused
    assert len({t.id for t in turns}) == 3


def test_long_questions_are_cut_for_display() -> None:
    assert shown_question(" short ", 10) == "short"
    assert shown_question("x" * 30, 10) == "x" * 10 + " …"


def test_examples_are_asked_exactly_as_shown() -> None:
    limit = Settings().max_question_chars
    assert len(EXAMPLES) >= 3 and len(set(EXAMPLES)) == len(EXAMPLES)
    for example in EXAMPLES:
        assert clean_question(example, limit) == CleanedQuestion(example), (
            "nothing cut or rewritten"
        )
        assert shown_question(example, limit) == example


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_is_answered_from_the_pages(real_engine, example: str) -> None:  # type: ignore[no-untyped-def]
    # A button the app offers must not lead a new user to "not in the documentation".
    answer = real_engine.ask(example)
    assert not answer.refused, answer.reasons
    assert answer.citations and all(c.passage for c in answer.citations)


def test_a_follow_up_embeds_only_itself_and_reads_the_conversation(fake_index) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from app.engine import Engine
    from tests.support.embedders import FakeEmbedder

    class Counting(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def encode(self, texts):  # type: ignore[no-untyped-def]
            self.seen.extend(texts)
            return super().encode(texts)

    counting = Counting()
    engine = Engine(fake_index, embedder=counting)
    first = engine.ask("How is the output of a job encrypted with KMS?")
    counting.seen.clear()
    follow = "and for the volume?"
    query = engine.query(follow, conversation([first]), engine.load())
    assert counting.seen == [follow], "the earlier question's embedding is reused"
    # The conversation's reading: this question's vector blended with the mean of all of them.
    mine, earlier = counting.encode([follow, first.question])
    whole = (mine + earlier) / 2
    blended = mine + whole / np.linalg.norm(whole)
    assert np.allclose(query.vector, blended / np.linalg.norm(blended), atol=1e-6)
    assert query.lexical == f"{first.question} {follow}" and query.prior_pages == tuple(
        first.cited_pages
    )
