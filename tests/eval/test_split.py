"""The tuning/test split: deterministic, balanced, stratified by kind."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.questions import DEFAULT_QUESTIONS, Question, load_questions
from eval.split import assign_splits, select_split


def make(qid: str, kind: str, answerable: bool = True) -> Question:
    pages = ("p",) if answerable else ()
    return Question(qid, f"question {qid}?", pages, answerable, (), kind)


def test_same_questions_same_split_in_any_order() -> None:
    questions = [
        make(f"q{i:03d}", "factual" if i % 3 else "off-topic", i % 3 > 0) for i in range(40)
    ]
    first = assign_splits(questions)
    assert first == assign_splits(list(reversed(questions)))
    assert set(first.values()) == {"tune", "test"}


def test_every_kind_lands_in_both_halves_and_sizes_are_level() -> None:
    questions = [make(f"a{i}", "factual") for i in range(7)]
    questions += [make(f"b{i}", "near-miss", False) for i in range(3)]
    questions += [make(f"c{i}", "typo") for i in range(2)]
    split = assign_splits(questions)
    sizes = Counter(split.values())
    assert abs(sizes["tune"] - sizes["test"]) <= 1
    for kind in ("factual", "near-miss", "typo"):
        halves = {split[q.id] for q in questions if q.kind == kind}
        assert halves == {"tune", "test"}, kind


def test_real_questions_split_about_half_with_answerable_and_not_in_each() -> None:
    questions = load_questions(DEFAULT_QUESTIONS)
    tune, test = select_split(questions, "tune"), select_split(questions, "test")
    assert len(tune) + len(test) == len(questions)
    assert abs(len(tune) - len(test)) <= 1
    assert not {q.id for q in tune} & {q.id for q in test}
    for half in (tune, test):
        assert {q.answerable for q in half} == {True, False}
    assert select_split(questions, "all") == questions


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        select_split([make("q1", "factual")], "dev")
