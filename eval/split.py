"""A deterministic tuning/test split of the questions, stratified by kind."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Literal

from eval.questions import Question

Split = Literal["tune", "test"]
SPLITS: tuple[Split, ...] = ("tune", "test")


def _order(question_id: str) -> str:
    return hashlib.sha256(question_id.encode("utf-8")).hexdigest()


def assign_splits(questions: Iterable[Question]) -> dict[str, Split]:
    """Question id -> "tune" or "test": within each kind, ids in hash order alternate, so
    both halves get every kind (answerable and unanswerable) and the sizes differ by at most 1."""
    by_kind: dict[str, list[str]] = {}
    for question in questions:
        by_kind.setdefault(question.kind, []).append(question.id)
    result: dict[str, Split] = {}
    turn = 0
    # The alternation carries over from one kind to the next to keep the halves level.
    for kind in sorted(by_kind):
        for question_id in sorted(by_kind[kind], key=_order):
            result[question_id] = SPLITS[turn % 2]
            turn += 1
    return result


def select_split(questions: Sequence[Question], split: str) -> list[Question]:
    """The questions of one split ("tune" or "test"), or all of them ("all")."""
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise ValueError(f"Unknown split '{split}': use tune, test or all")
    assigned = assign_splits(questions)
    return [q for q in questions if assigned[q.id] == split]
