"""Refusal rules that read the question: amounts with no number, names the pages never use."""

from __future__ import annotations

import pytest

from app.refusal import (
    Thresholds,
    Vocabulary,
    missing_quantity,
    refusal_reasons,
    should_refuse,
    unknown_names,
    unknown_words,
)

VOCABULARY = Vocabulary(
    {"comprehend": 1.0, "cloudtrail": 2.0, "subnet": 2.0, "keys": 1.0, "encryption": 3.0}
)


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


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("encryption", True),
        ("encrpytion", True),  # a typo
        ("encryptoin", True),
        ("ecnryption", True),
        ("kinesis", False),
        ("zncryption", False),  # a typo in the first letter is not caught
        ("encryptionandmore", False),
        ("key", True),  # short words are never counted as unknown
    ],
)
def test_close_misspellings_are_known(word: str, known: bool) -> None:
    assert VOCABULARY.known(word) is known


def unknown_share(question: str, vocabulary: Vocabulary) -> float:
    """The "unknown" signal as the engine reads it."""
    return unknown_words(question, vocabulary).share(vocabulary.min_similarity)


def test_unknown_share_weighs_the_missing_words() -> None:
    assert unknown_share("comprehend subnet encryption", VOCABULARY) == 0.0
    assert unknown_share("kinesis firehose", VOCABULARY) == 1.0
    assert 0 < unknown_share("subnet kinesis", VOCABULARY) < 1


def test_a_missing_word_said_in_other_words_is_not_counted() -> None:
    # Similarity of each word to its nearest page word by meaning, as the word vectors give it.
    nearest = {"tweak": 0.57, "rotate": 0.38, "yearly": 0.45}

    def near(words: list[str]) -> list[float]:
        return [nearest[w] for w in words]

    vocabulary = Vocabulary(VOCABULARY.idf, near, min_similarity=0.5)
    assert unknown_share("tweak encryption", vocabulary) == 0.0  # "tweak" is "modify"
    assert unknown_share("rotate encryption", vocabulary) > 0.0  # no page word means "rotate"
    assert unknown_share("rotate encryption", vocabulary) == unknown_share(
        "rotate encryption", VOCABULARY
    )
    words = unknown_words("tweak yearly rotate keys", vocabulary)
    assert words.missing(0.5) == ["yearly", "rotate"]
    assert words.share(0.4) < words.share(0.5) < words.share(0.6)  # higher bar, more words


def test_reasons_name_what_is_missing() -> None:
    limits = Thresholds(min_dense=0.3, min_support=0.0, max_unknown=0.35)
    fine = {"top_dense": 0.6, "support": 0.5, "unknown": 0.1, "unknown_names": 0}
    assert refusal_reasons(fine, limits) == []
    words = {**fine, "unknown": 0.5}
    assert refusal_reasons(words, limits, missing=["yearly", "rotation"]) == [
        'the pages never use "yearly" or "rotation", nor any word close in meaning'
    ]
    named = {**fine, "top_dense": 0.1, "unknown_names": 1}
    reasons = refusal_reasons(named, limits, names=["Kinesis"])
    assert len(reasons) == 2 and 'never name "Kinesis"' in reasons[1]
    assert should_refuse(named, limits) and not should_refuse(fine, limits)
