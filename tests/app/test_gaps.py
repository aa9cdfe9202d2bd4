"""What the pages lack, named: names no page mentions, amounts the lead does not give."""

from __future__ import annotations

import pytest

from app.gaps import absent_names, asked, missing, unanswered_number

PAGES = {"gadget", "vault", "key", "keys", "lock", "iam:passrole", "quillstorereader", "policy"}


def known(word: str) -> bool:
    return word in PAGES or any(word in w for w in PAGES)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Does GuardDuty watch the vault?", ["GuardDuty"]),
        ("Which SLA covers the gadget vault?", ["SLA"]),
        ("Is the QuillstoreReader policy enough?", []),  # the pages name it
        ("Why does a user need PassRole?", []),  # inside a name the pages use: iam:PassRole
        ("Vault keys: do they lock?", []),  # a capital opening a sentence names nothing
        ("What does aws_gadget_vault set?", ["aws_gadget_vault"]),
        ("Once Gadget Vault locks, can Quill Guard see it?", ["Quill Guard"]),
    ],
)
def test_names_no_page_mentions_are_found(question: str, names: list[str]) -> None:
    assert absent_names(asked(question, ()), known) == names


def test_what_is_pasted_is_context_never_a_gap() -> None:
    text = "Got `AccessDeniedException` for arn:aws:iam::111122223333:user/Bob. Which key?"
    assert absent_names(asked(text, ()), known) == []


@pytest.mark.parametrize(
    ("question", "quoted", "listed", "gap"),
    [
        ("How many days does the vault keep keys?", ["Keys stay a while."], False, "how many days"),
        ("How many days does the vault keep keys?", ["Keys stay 30 days."], False, None),
        ("How many keys are there?", ["The keys:"], True, None),  # a list answers a count
        ("What is the maximum key size?", ["Keys are big."], False, "the maximum key size"),
        ("how much of the work is mine?", ["Most."], False, None),  # not an amount
        ("What percentage do we get back?", ["Credits apply."], False, "the percentage"),
    ],
)
def test_an_amount_asked_for_is_a_gap_only_when_the_lead_gives_none(
    question: str, quoted: list[str], listed: bool, gap: str | None
) -> None:
    assert unanswered_number(asked(question, ()), quoted, listed) == gap


def test_missing_reads_only_what_the_question_asks() -> None:
    story = "Our GuardDuty setup is fine. How many days does the vault keep keys?"
    spans = ((29, len(story)),)
    assert missing(story, spans, ["Keys stay a while."], False, known) == ("how many days",)
