"""The chat as plain data."""

from __future__ import annotations

import pytest

from app.conversation import Turn, history, shown_question
from app.models import Answer
from app.question import CleanedQuestion, clean_question, conversation
from corpus.manifest import load_manifest
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


EXAMPLES = load_manifest().examples  # what the app offers over the pinned pages


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


def test_the_app_describes_the_pages_it_serves(fake_index, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.about import describe
    from app.engine import Engine
    from ingest.pipeline import run_ingest
    from tests.support.embedders import FakeEmbedder

    pinned = describe(Engine(fake_index, embedder=FakeEmbedder(fake_index.embed_model)).load())
    assert pinned.name == "Security in Amazon Comprehend" and pinned.examples == EXAMPLES
    assert pinned.pages == 16 and "CC BY-SA 4.0" in pinned.credit
    other = fake_index.with_overrides(data_dir=tmp_path / "other")
    folder = tmp_path / "gadget-user-guide"
    folder.mkdir()
    (folder / "gadgets.md").write_text("# Locking gadgets\n\nGadgets lock with a key.\n")
    run_ingest(other, lambda: FakeEmbedder(fake_index.embed_model), folder)
    own = describe(Engine(other, embedder=FakeEmbedder(fake_index.embed_model)).load())
    assert own.name == "Gadget user guide" and own.topics == ("Locking gadgets",)
    assert "Comprehend" not in own.credit + " ".join(own.examples)
    assert describe(Engine(other).load(), "Gadgets").name == "Gadgets"


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
