"""Refusal rules that read the question: amounts with no number, names the pages never use."""

from __future__ import annotations

import pytest

from app.refusal import Thresholds, missing_quantity, should_refuse, unknown_names

VOCABULARY = {"comprehend": 1.0, "cloudtrail": 2.0, "subnet": 2.0, "keys": 1.0, "which": 1.0}


@pytest.mark.parametrize(
    ("question", "answer", "missing"),
    [
        ("How many days are events kept?", "Events are kept in the history.", True),
        ("How many days are events kept?", "Events are kept for 90 days.", False),
        ("How many addresses does a subnet need?", "At least two per instance.", False),
        ("What's the maximum size of a request?", "Requests are signed.", True),
        ("How much does it cost per unit?", "Policies in the S3 bucket.", True),
        ("How much of the work falls on me?", "It depends on the service.", False),
        ("Which keys does CloudTrail log?", "It logs every call.", False),
        # "How often" is answered by "every cycle", "yearly": no number needed.
        ("How often do keys rotate?", "Keys rotate every quasar cycle.", False),
    ],
)
def test_an_amount_asked_for_needs_a_number(question: str, answer: str, missing: bool) -> None:
    assert missing_quantity(question, answer) is missing


def test_names_the_pages_never_use() -> None:
    assert unknown_names("Can Comprehend send results to Kinesis?", VOCABULARY) == ["Kinesis"]
    assert unknown_names("Does CloudTrail log Comprehend calls?", VOCABULARY) == []
    # A capital that opens a sentence is not a name; a close misspelling is still known.
    assert unknown_names("Hello there. Which subnet? Does Cloudtrial log it?", VOCABULARY) == []


def test_either_rule_refuses_whatever_the_thresholds() -> None:
    limits = Thresholds(min_dense=0.0, min_support=0.0, max_unknown=1.0)
    base = {"top_dense": 0.9, "support": 0.9, "unknown": 0.0}
    assert not should_refuse({**base, "unknown_names": 0, "missing_quantity": 0}, limits)
    assert should_refuse({**base, "unknown_names": 1, "missing_quantity": 0}, limits)
    assert should_refuse({**base, "unknown_names": 0, "missing_quantity": 1}, limits)
