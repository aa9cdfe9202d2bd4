"""Validate the tuning questions in eval/tune.jsonl (never the frozen test file)."""

# Only the standard library, pytest and tests/support: this does not depend on the docqa
# package. The corpus folder is DOCQA_CORPUS_SOURCE when set, else the shared corpus beside
# the repo.

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.questions import (
    COPY_NGRAM,
    IDENT_RE,
    MARKUP_CHARS,
    QUOTED_RE,
    WORD_RE,
    ngrams,
    normalise,
    plain,
)

QUESTIONS_PATH = Path(__file__).resolve().parents[2] / "eval" / "tune.jsonl"
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "comprehend-security"

ALLOWED_KINDS = {
    "factual",
    "paraphrase",
    "terse",
    "long",
    "typo",
    "multi-page",
    "follow-up",
    "identifier",
    "off-topic",
    "near-miss",
    "error",
    "tool",
    "quantity",
    "lowercase",
    "story",
}
UNANSWERABLE_KINDS = {"off-topic", "near-miss"}
REQUIRED_KEYS = {
    "id": str,
    "question": str,
    "expected_pages": list,
    "answerable": bool,
    "expected_facts": list,
    "kind": str,
}
OPTIONAL_KEYS = {"history": list, "source": str}

Row = dict[str, Any]
MIN_TOTAL = 90
MIN_FIRST_PER_PAGE = 3
MIN_FOLLOW_UPS = 10
MIN_OFF_TOPIC = 10
MIN_NEAR_MISS = 10
MIN_IDENTIFIER = 8
MIN_MULTI_PAGE = 5
MAX_FACTS = 4
MAX_FACT_WORDS = 6


def load_questions() -> list[Row]:
    assert QUESTIONS_PATH.is_file(), f"questions file missing: {QUESTIONS_PATH}"
    rows = []
    for lineno, line in enumerate(QUESTIONS_PATH.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - message only
            pytest.fail(f"line {lineno}: invalid JSON: {exc}")
        assert isinstance(row, dict), f"line {lineno}: expected a JSON object"
        rows.append(row)
    return rows


def corpus_dir() -> Path:
    env = os.environ.get("DOCQA_CORPUS_SOURCE")
    return Path(env) if env else DEFAULT_CORPUS


@pytest.fixture(scope="module")
def questions() -> list[Row]:
    return load_questions()


def missing_corpus(message: str) -> None:
    """Skip on a developer machine without the pages; fail in CI, where they must be."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs the corpus: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    """Map page id -> normalised text without markup."""
    folder = corpus_dir()
    if not folder.is_dir():
        missing_corpus(f"corpus folder not found: {folder} (set DOCQA_CORPUS_SOURCE)")
    pages = {}
    for path in sorted(folder.glob("*.md")):
        pages[path.stem] = plain(path.read_text(encoding="utf-8"))
    if not pages:
        missing_corpus(f"corpus folder has no .md pages: {folder}")
    return pages


def test_required_keys_and_types(questions: list[Row]) -> None:
    problems = []
    for i, q in enumerate(questions):
        qid = q.get("id", f"<row {i}>")
        for key, typ in REQUIRED_KEYS.items():
            if key not in q:
                problems.append(f"{qid}: missing key {key!r}")
            elif not isinstance(q[key], typ):
                problems.append(f"{qid}: {key!r} should be {typ.__name__}")
        for key in set(q) - set(REQUIRED_KEYS):
            if key not in OPTIONAL_KEYS:
                problems.append(f"{qid}: unexpected key {key!r}")
            elif not isinstance(q[key], OPTIONAL_KEYS[key]):
                problems.append(f"{qid}: {key!r} should be {OPTIONAL_KEYS[key].__name__}")
        if isinstance(q.get("question"), str) and not q["question"].strip():
            problems.append(f"{qid}: empty question")
        for key in ("expected_pages", "expected_facts", "history"):
            items = q.get(key)
            if isinstance(items, list) and not all(isinstance(x, str) and x.strip() for x in items):
                problems.append(f"{qid}: {key!r} must hold non-empty strings")
    assert not problems, "\n".join(problems)


def test_ids_and_questions_unique(questions: list[Row]) -> None:
    ids = Counter(q["id"] for q in questions)
    dup_ids = sorted(k for k, n in ids.items() if n > 1)
    assert not dup_ids, f"duplicate ids: {dup_ids}"
    # A follow-up is its whole conversation: "why?" after two different questions is two.
    texts = Counter(
        " / ".join(normalise(t) for t in [*q.get("history", []), q["question"]]) for q in questions
    )
    dup_texts = sorted(k for k, n in texts.items() if n > 1)
    assert not dup_texts, f"duplicate questions: {dup_texts}"


def test_kinds_allowed(questions: list[Row]) -> None:
    bad = [f"{q['id']}: {q['kind']!r}" for q in questions if q["kind"] not in ALLOWED_KINDS]
    assert not bad, f"kinds must be one of {sorted(ALLOWED_KINDS)}:\n" + "\n".join(bad)


def test_answerable_consistency(questions: list[Row]) -> None:
    problems = []
    for q in questions:
        pages, facts = q["expected_pages"], q["expected_facts"]
        if q["answerable"]:
            if not pages or not facts:
                problems.append(f"{q['id']}: answerable but pages={pages} facts={facts}")
        elif pages or facts:
            problems.append(f"{q['id']}: unanswerable but pages={pages} facts={facts}")
        if q["kind"] in UNANSWERABLE_KINDS and q["answerable"]:
            problems.append(f"{q['id']}: kind {q['kind']!r} must be unanswerable")
        if len(set(pages)) != len(pages):
            problems.append(f"{q['id']}: repeated page in {pages}")
        if q["kind"] == "multi-page" and len(pages) < 2:
            problems.append(f"{q['id']}: multi-page question lists {len(pages)} page(s)")
        if q["kind"] == "follow-up" and not q.get("history"):
            problems.append(f"{q['id']}: follow-up question without history")
    assert not problems, "\n".join(problems)


def test_fact_shape(questions: list[Row]) -> None:
    problems = []
    for q in questions:
        facts = q["expected_facts"]
        if q["answerable"] and not 1 <= len(facts) <= MAX_FACTS:
            problems.append(f"{q['id']}: {len(facts)} facts (want 1-{MAX_FACTS})")
        for fact in facts:
            if fact != fact.strip() or "  " in fact:
                problems.append(f"{q['id']}: fact {fact!r} must be trimmed and single-spaced")
            if len(fact.split()) > MAX_FACT_WORDS:
                problems.append(f"{q['id']}: fact {fact!r} longer than {MAX_FACT_WORDS} words")
            if any(ch in fact for ch in MARKUP_CHARS):
                problems.append(f"{q['id']}: fact {fact!r} contains Markdown syntax")
    assert not problems, "\n".join(problems)


def test_expected_pages_exist(questions: list[Row], corpus: dict[str, str]) -> None:
    missing = [
        f"{q['id']}: {page}"
        for q in questions
        for page in q["expected_pages"]
        if page not in corpus
    ]
    assert not missing, f"unknown page ids (corpus has {sorted(corpus)}):\n" + "\n".join(missing)


def test_facts_occur_in_expected_pages(questions: list[Row], corpus: dict[str, str]) -> None:
    problems = []
    for q in questions:
        pages = [p for p in q["expected_pages"] if p in corpus]
        for fact in q["expected_facts"]:
            # As the metric compares them: both sides without escapes, backticks or emphasis.
            if not any(plain(fact) in corpus[p] for p in pages):
                problems.append(f"{q['id']}: fact {fact!r} not found in {pages}")
    assert not problems, "\n".join(problems)


def test_each_multi_page_source_holds_a_fact(questions: list[Row], corpus: dict[str, str]) -> None:
    """A question that needs two pages has a fact on each (other questions may name a second
    page that answers as well)."""
    problems = []
    for q in questions:
        if q["kind"] != "multi-page":
            continue
        for page in q["expected_pages"]:
            if page in corpus and not any(plain(f) in corpus[page] for f in q["expected_facts"]):
                problems.append(f"{q['id']}: page {page} holds none of {q['expected_facts']}")
    assert not problems, "\n".join(problems)


def test_identifiers_exist_in_corpus(questions: list[Row], corpus: dict[str, str]) -> None:
    text = " ".join(corpus.values())
    problems = []
    for q in (q for q in questions if q["kind"] == "identifier"):
        idents = IDENT_RE.findall(q["question"])
        if not idents:
            problems.append(f"{q['id']}: identifier question names no identifier")
        for ident in idents:
            if ident.lower() not in text:
                problems.append(f"{q['id']}: identifier {ident!r} does not occur in the corpus")
    assert not problems, "\n".join(problems)


def test_questions_not_copied_from_pages(questions: list[Row], corpus: dict[str, str]) -> None:
    page_grams: set[tuple[str, ...]] = set()
    for text in corpus.values():
        page_grams |= ngrams(WORD_RE.findall(text))
    problems = []
    for q in questions:
        for text in [q["question"], *q.get("history", [])]:
            # A log line or error pasted in backticks is quoted, not the user's wording.
            own = QUOTED_RE.sub(" ", text)
            if ngrams(WORD_RE.findall(normalise(own))) & page_grams:
                problems.append(f"{q['id']}: shares {COPY_NGRAM}+ consecutive words with a page")
                break
    assert not problems, "\n".join(problems)


def test_counts(questions: list[Row]) -> None:
    kinds = Counter(q["kind"] for q in questions)
    with_history = sum(1 for q in questions if q.get("history"))
    multi = sum(1 for q in questions if len(q["expected_pages"]) >= 2)
    checks = [
        ("questions", len(questions), MIN_TOTAL),
        ("questions with history", with_history, MIN_FOLLOW_UPS),
        ("off-topic questions", kinds["off-topic"], MIN_OFF_TOPIC),
        ("near-miss questions", kinds["near-miss"], MIN_NEAR_MISS),
        ("identifier questions", kinds["identifier"], MIN_IDENTIFIER),
        ("multi-page questions", multi, MIN_MULTI_PAGE),
    ]
    problems = [f"only {got} {label} (want >= {want})" for label, got, want in checks if got < want]
    assert not problems, "\n".join(problems)


def test_every_page_is_first_expected_often_enough(
    questions: list[Row], corpus: dict[str, str]
) -> None:
    first = Counter(q["expected_pages"][0] for q in questions if q["expected_pages"])
    problems = [
        f"page {page} is first expected page of {first[page]} question(s) "
        f"(want >= {MIN_FIRST_PER_PAGE})"
        for page in sorted(corpus)
        if first[page] < MIN_FIRST_PER_PAGE
    ]
    assert not problems, "\n".join(problems)


def test_sources_are_pages_outside_the_index(questions: list[Row], corpus: dict[str, str]) -> None:
    root = corpus_dir().parent
    problems = []
    for q in (q for q in questions if "source" in q):
        if q["answerable"]:
            problems.append(f"{q['id']}: an answerable question names a source elsewhere")
        if Path(q["source"]).stem in corpus:
            problems.append(f"{q['id']}: source {q['source']} is an indexed page")
        if root.is_dir() and not (root / q["source"]).is_file():
            problems.append(f"{q['id']}: source {q['source']} not found under {root}")
    assert not problems, "\n".join(problems)
