"""What a user meets, on pages written for these tests (an imaginary "Quillstore" service):
pasted errors and tool names are context, near misses are refused, follow-ups are resolved,
boilerplate never leads. The real model and the shipped refusal model, no evaluation question."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.render.plain import REFUSAL, answer_text

pytestmark = pytest.mark.slow
READER = Path(__file__).resolve().parents[1] / "fixtures" / "reader"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, real_embedder):  # type: ignore[no-untyped-def]
    """An engine over the Quillstore pages, with the rest of the guide as neighbours."""
    from app.engine import Engine
    from docqa.settings import Settings
    from ingest.pipeline import run_ingest

    data = tmp_path_factory.mktemp("quill") / "data"
    settings = Settings(data_dir=data, neighbours_dir=READER / "neighbours")
    report = run_ingest(settings, lambda: real_embedder, READER / "pages")
    assert report.pages == 3 and report.neighbour_headings > 0
    return Engine(settings, embedder=real_embedder)


def cited(answer) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.page for c in answer.citations}


def test_a_pasted_error_message_is_answered(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(
        "I get AccessDeniedException: User: arn:aws:iam::111122223333:user/app is not "
        "authorized to perform quill:GetDocument. What do I add to my policy?"
    )
    assert not answer.refused, answer.reasons
    assert "quill:GetDocument" in answer.text and cited(answer) == {"quill-access"}


def test_a_question_naming_a_tool_is_answered(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(
        "Can I use Terraform to keep our Quillstore traffic off the public internet?"
    )
    assert not answer.refused, answer.reasons
    assert "interface endpoint" in answer.text and "quill-network" in cited(answer)


@pytest.mark.parametrize(
    ("question", "neighbour"),
    [
        ("How many documents can one shelf hold at most?", "quill-guide/quill-quotas"),
        ("How do I add tags to a Quillstore shelf?", "quill-guide/quill-tagging"),
        # A guide of another service, also beside the pages.
        (
            "Can I bring key material from my own hardware module into a vault?",
            "vault-guide/vault-import",
        ),
    ],
)
def test_a_near_miss_is_refused_naming_the_page_that_answers_it(
    engine, question: str, neighbour: str
) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(question)
    assert answer.refused and answer.text == REFUSAL and not answer.citations
    assert any(neighbour in reason for reason in answer.reasons), answer.reasons


@pytest.fixture(scope="module")
def guides(tmp_path_factory: pytest.TempPathFactory, real_embedder):  # type: ignore[no-untyped-def]
    """An engine over the same pages and their neighbours, all indexed as guides."""
    import shutil

    from app.engine import Engine
    from docqa.settings import Settings
    from ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("guides")
    shutil.copytree(READER / "pages", root / "corpus" / "quillstore")
    shutil.copytree(READER / "neighbours", root / "corpus" / "more")
    settings = Settings(data_dir=root / "data", use_neighbours=False)
    run_ingest(settings, lambda: real_embedder, root / "corpus")
    return Engine(settings, embedder=real_embedder)


def test_searching_one_guide_refuses_what_another_guide_answers(guides) -> None:  # type: ignore[no-untyped-def]
    question = "How many documents can one shelf hold at most?"
    everywhere = guides.ask(question)
    assert not everywhere.refused and cited(everywhere) == {"more/quill-guide/quill-quotas"}
    inside = guides.ask(question, scope="quillstore")
    assert inside.refused and not inside.citations
    assert any("more/quill-guide/quill-quotas" in reason for reason in inside.reasons)
    # The guide's own questions are still answered inside it.
    own = guides.ask("Which managed policy lets a user only read documents?", scope="quillstore")
    assert not own.refused and cited(own) == {"quillstore/quill-access"}


def test_a_topic_probe_fitted_on_other_pages_does_not_judge_these(engine) -> None:  # type: ignore[no-untyped-def]
    # The shipped probe was fitted on the Comprehend security pages: it does not recognise
    # the Quillstore pages' headings, so the models without it decide here.
    assert not engine.topic_applies(engine.load())
    answer = engine.ask("Which managed policy lets a user only read documents?")
    assert "topic" not in answer.signals and "neighbour_margin" in answer.signals


def test_an_off_topic_question_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask("What is the best pizza in Naples?")
    assert answer.refused and answer.related, "a refusal still offers the closest pages"


def test_an_amount_the_pages_state_is_answered(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(
        "For the interface endpoint, how many unused private IPs must a subnet have?"
    )
    assert not answer.refused, answer.reasons
    assert "two free private IP addresses" in answer.text and cited(answer) == {"quill-network"}


def test_a_two_turn_follow_up_is_resolved(engine) -> None:  # type: ignore[no-untyped-def]
    first = engine.ask(
        "Our app calls Quillstore with an access key kept in a config file on the server."
    )
    alone = engine.ask("is there a better way?")
    followed = engine.ask("is there a better way?", [first])
    assert alone.refused, "on its own the follow-up says nothing the pages answer"
    assert not followed.refused, followed.reasons
    assert "temporary credentials" in followed.text and cited(followed) == {"quill-auth"}


def test_a_new_topic_in_a_conversation_is_read_on_its_own(engine) -> None:  # type: ignore[no-untyped-def]
    first = engine.ask(
        "Our app calls Quillstore with an access key kept in a config file on the server."
    )
    answer = engine.ask("Which managed policy lets a user only read documents?", [first])
    assert not answer.refused and answer.retrieved_pages[0] == "quill-access"
    assert "QuillstoreReader" in answer.text


def test_typos_are_read_as_the_pages_words_and_the_user_is_told(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask("Which manged polciy lets auditors only read documnets?")
    assert not answer.refused, answer.reasons
    assert "QuillstoreReader" in answer.text and cited(answer) == {"quill-access"}
    assert answer.question == "Which managed policy lets auditors only read documents?"
    assert any('"policy" for "polciy"' in w for w in answer.warnings), answer.warnings
    # Words spelt right, the pages' or not, are left as typed.
    kept = engine.ask("Can I use Terraform to keep our Quillstore traffic off the internet?")
    assert not kept.warnings and kept.question.startswith("Can I use Terraform")


def test_reading_typos_is_a_setting(engine, real_embedder) -> None:  # type: ignore[no-untyped-def]
    from app.engine import Engine

    reader = engine.settings.reader.model_copy(update={"read_typos": False})
    literal = Engine(engine.settings.model_copy(update={"reader": reader}), embedder=real_embedder)
    answer = literal.ask("Which manged polciy lets auditors only read documnets?")
    assert answer.question == "Which manged polciy lets auditors only read documnets?"
    assert not any("polciy" in w for w in answer.warnings)


def test_a_long_story_before_the_question_is_read_for_what_it_asks(engine) -> None:  # type: ignore[no-untyped-def]
    # The story is all about the private network; the question is about a managed policy.
    answer = engine.ask(
        "We moved Quillstore traffic onto a private network last month: an interface endpoint "
        "in two subnets, an endpoint policy attached, nothing goes over the public internet any "
        "more. Now our auditors want to look at the documents too. Which managed policy lets "
        "auditors only read documents?"
    )
    assert not answer.refused, answer.reasons
    assert "QuillstoreReader" in answer.text and cited(answer) == {"quill-access"}


def test_the_page_the_reader_quotes_leads_the_ranking(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Retrieval is made to rank the answering page second; the reader still quotes it (its
    # sentences answer), and the ranking shown with the answer leads with it.
    from app.retrieve import Retriever

    search = Retriever.search

    def second(self, query, k, scope=None):  # type: ignore[no-untyped-def]
        got = search(self, query, k, scope)
        return replace(got, hits=[got.hits[1], got.hits[0], *got.hits[2:]])

    monkeypatch.setattr(Retriever, "search", second)
    answer = engine.ask("What happens when no endpoint policy is attached?")
    assert not answer.refused, answer.reasons
    assert answer.cited_pages == ["quill-network"]
    assert answer.retrieved_pages[0] == "quill-network"


def test_the_answering_sentence_leads_not_the_page_s_boilerplate(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask("What permission does a user need to call GetDocument in Quillstore?")
    assert not answer.refused
    lead = " ".join(q.text for b in answer.blocks if b.role == "lead" for q in b.quotes)
    assert lead.startswith("To call `GetDocument`, a user or role needs the `quill:GetDocument`")
    assert "This topic provides" not in lead and "Before you proceed" not in lead
    assert answer_text(answer, markers=False).startswith(lead[:60]), "the lead is read first"
    leads = [b for b in answer.blocks if b.role == "lead"]
    assert {b.citations for b in leads} == {(1,)}, "the lead quotes one section, marked once"


@pytest.mark.parametrize(
    ("question", "lacking", "answered"),
    [
        (
            "Which managed policy lets a user only read documents, and can QuillGuard alert "
            "us when it is attached?",
            "QuillGuard",
            "QuillstoreReader",
        ),
        (
            "How many hours do the temporary credentials of a server's role last?",
            "how many hours",
            "temporary credentials",
        ),
    ],
)
def test_what_the_pages_lack_is_named_and_the_rest_answered(
    engine, question: str, lacking: str, answered: str
) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(question)
    assert not answer.refused and answer.partial, answer.reasons
    assert answer.missing == (lacking,) and answered in answer.text
    assert f"The pages do not {'say' if lacking.startswith('how') else 'mention'} {lacking}." in (
        answer.text
    )


def test_a_policy_is_quoted_whole_after_its_intro(engine) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask("Give me the policy that lets a role read and store Quillstore documents.")
    assert not answer.refused
    block = answer.text[answer.text.index("```") :]
    assert (
        block.count("```") >= 2 and '"quill:PutDocument"' in block and block.rstrip().endswith("]")
    )
    before = answer.text[: answer.text.index("```")]
    assert "The following policy grants both actions" in before
