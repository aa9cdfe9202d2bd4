"""What the reader measures of each answer unit against a question: meaning, words, where the
unit stands, what kind it is, and whether it holds the kind of thing the question asks for (a
number, an identifier). Plain numbers in a matrix; the ranker (app/ranker.py) weighs them."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.context import Candidate, Reading, is_navigation, leans_on_before
from app.retrieve import identifiers

# What asks for a quantity or a duration, in any documentation's questions.
_WANTS_NUMBER = re.compile(
    r"\b(how (many|much|long|often|large|big|soon|old)|what is the (maximum|minimum|limit|size|"
    r"number)|maximum|minimum|max|min|limit|quota|number of|how frequently|up to how)\b",
    re.IGNORECASE,
)
# What asks for a name: a permission, an action, a key, a setting, a command.
_WANTS_NAME = re.compile(
    r"\b(which|what) (\w+ ){0,2}(permissions?|actions?|policy|policies|keys?|roles?|"
    r"parameters?|settings?|fields?|commands?|operations?|api|apis|condition|option|flag|"
    r"argument|value|header|endpoint|principal|element)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d+(\.\d+)?\b|\b(one|two|three|four|five|six|seven|eight|nine|ten)\b",
    re.I,
)
_NAME = re.compile(r"`[^`]+`|\b[a-z0-9-]+:[A-Za-z*]+|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b")

FEATURES = (
    "sim",
    "sim_gap",
    "sim_rank",
    "cover",
    "cover_heading",
    "page_rank",
    "passage_rank",
    "sentence",
    "item",
    "row",
    "code",
    "title",
    "block_start",
    "chunk_start",
    "length",
    "navigation",
    "leans_back",
    "number_fit",
    "number_missing",
    "name_fit",
    "names_question",
    "beyond_heading",
    "new_words",
    "opens",
    "after_title",
)


@dataclass(frozen=True)
class Asks:
    """What a question asks for, read once."""

    number: bool  # a quantity, a duration, a limit
    name: bool  # an identifier: a permission, an action, a setting
    names: tuple[str, ...]  # identifiers the question itself names, lower-cased


def asks(question: str) -> Asks:
    """What kind of thing a question asks for."""
    names = tuple(identifiers(question))
    return Asks(bool(_WANTS_NUMBER.search(question)), bool(_WANTS_NAME.search(question)), names)


def matrix(pool: Sequence[Candidate], reading: Reading, question: Asks) -> np.ndarray:
    """One row of FEATURES per candidate."""
    if not pool:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    sims = np.array([c.sim for c in pool], dtype=np.float32)
    order = np.argsort(-sims, kind="stable")
    sim_rank = np.empty(len(pool), dtype=np.float32)
    sim_rank[order] = 1.0 / (1.0 + np.arange(len(pool)))
    ranks: dict[str, int] = {}
    rows = []
    best = float(sims.max())
    for n, c in enumerate(pool):
        unit, text = c.unit, c.text
        ranks.setdefault(c.passage.page_id, len(ranks))
        has_number = bool(_NUMBER.search(text))
        row = [
            c.sim,
            c.sim - best,
            sim_rank[n],
            c.coverage,
            reading.weighed.coverage("", unit.heading, 1.0),
            1.0 / (1.0 + c.hit_rank),
            1.0 / (1.0 + c.passage_rank),
            float(c.kind == "sentence"),
            float(c.kind == "item"),
            float(c.kind in ("row", "header")),
            float(c.kind == "code"),
            float(c.kind == "title"),
            float(unit.part == 0),
            float(unit.block == 0 and unit.part == 0),
            math.log1p(len(text)) / 7.0,
            float(is_navigation(text)),
            float(leans_on_before(c)),
            float(question.number and has_number),
            float(question.number and not has_number),
            float(question.name and bool(_NAME.search(text))),
            float(any(name in text.lower() for name in question.names)),
            c.sim - float(reading.sims[reading.title_row(c.row)]),
            reading.new_words(text),
            float(bool(reading.opens(c))),
            float(reading.after_title(c)),
        ]
        rows.append(row)
    return np.asarray(rows, dtype=np.float32)
