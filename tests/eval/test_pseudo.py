"""Pseudo-questions from documents: keyword and heading queries, extra words, general text."""

from __future__ import annotations

import random
from types import SimpleNamespace

from app.lexicon import Lexicon
from eval.pseudo import (
    Sizes,
    add_context,
    foreign_words,
    general_pseudo,
    heading_query,
    indexed_pseudo,
    keyword_query,
)
from ingest.models import Unit

SENTENCE = (
    "The Widget console encrypts every stored backup using customer managed keys "
    "from the Key Management Service before upload"
)
CONTENT = (
    "widget console encrypts every stored backup using customer managed keys key management "
    "service before upload"
).split()
SEEDS = range(200)


def is_run_of(words: list[str], within: list[str]) -> bool:
    n = len(words)
    return any(within[i : i + n] == words for i in range(len(within) - n + 1))


def test_keyword_query_is_a_run_of_four_to_nine_content_words_in_lower_case() -> None:
    queries = [keyword_query(SENTENCE, random.Random(seed)) for seed in SEEDS]
    for query in queries:
        words = query.split()
        assert 4 <= len(words) <= 9, query
        assert query == query.lower()
        assert is_run_of(words, CONTENT), query
    lengths = {len(q.split()) for q in queries}
    assert {4, 9} <= lengths  # both ends of the range are used
    assert len({q.split()[0] for q in queries}) > 3  # and the run starts at many places


def test_keyword_query_of_a_short_sentence_keeps_all_its_content_words() -> None:
    assert keyword_query("Are the Widgets on the SHELF", random.Random(1)) == "widgets shelf"


def test_heading_query_asks_about_the_last_part_of_the_heading_only() -> None:
    heading = "Widget guide > Security > Encryption at rest"
    queries = {heading_query(heading, random.Random(seed)) for seed in SEEDS}
    for query in queries:
        assert "encryption at rest" in query.lower()
        assert "widget" not in query.lower() and "security" not in query.lower()
    assert "Encryption at rest" in queries and "encryption at rest" in queries
    assert any(q.endswith("?") for q in queries)


def test_add_context_inserts_only_pool_words_keeping_the_query_in_order() -> None:
    query = "widget keys rotate yearly"
    pool = ["gizmo", "sprocket", "lathe"]
    sizes = Sizes(extra_share=1.0, most_extra=3)
    added_counts = set()
    for seed in SEEDS:
        words = add_context(query, pool, sizes, random.Random(seed)).split()
        extra = list(words)
        for word in query.split():
            extra.remove(word)
        assert [w for w in words if w not in pool] == query.split()
        assert set(extra) <= set(pool)
        added_counts.add(len(extra))
    assert added_counts == {1, 2, 3}


def test_add_context_leaves_the_query_alone_without_a_pool_or_by_chance() -> None:
    query = "widget keys rotate yearly"
    always = Sizes(extra_share=1.0)
    never = Sizes(extra_share=0.0)
    for seed in SEEDS:
        assert add_context(query, [], always, random.Random(seed)) == query
        assert add_context(query, ["gizmo"], never, random.Random(seed)) == query
    half = [add_context(query, ["gizmo"], Sizes(), random.Random(s)) for s in SEEDS]
    assert 0 < sum(q == query for q in half) < len(half)


def test_foreign_words_drop_what_the_lexicon_holds_most_frequent_first() -> None:
    lexicon = Lexicon({"widget": 1.0, "keys": 2.0})
    texts = ["Widget keys glow in sunlight", "sunlight on widget KEYS", "glow sunlight xy"]
    assert foreign_words(texts, lexicon) == ["sunlight", "glow"]
    assert foreign_words(texts, lexicon, most=1) == ["sunlight"]
    assert foreign_words([], lexicon) == []


def test_foreign_words_leave_out_words_the_pages_use() -> None:
    lexicon = Lexicon.of(["How about the widget? What is it for?"])
    assert foreign_words(["how about the widget", "what about it"], lexicon) == []


def test_general_pseudo_questions_are_unanswerable_keyword_queries() -> None:
    items = general_pseudo(Sizes(general=6), random.Random(5))
    assert len(items) == 6
    for item in items:
        assert not item.answerable and item.source == "general text"
        assert item.text and item.text == item.text.lower()
        assert 1 <= len(item.text.split()) <= 9
    assert general_pseudo(Sizes(general=6), random.Random(5)) == items


def test_indexed_pseudo_questions_are_every_sentence_and_heading_or_a_sample_of_them() -> None:
    units = [
        Unit(f"c{n}", 0, 0, "heading", f"Guide > Part {n}", f"Guide > Part {n}") for n in (1, 2)
    ]
    units += [
        Unit(
            f"c{n % 2 + 1}", n, n, "sentence", f"Widget sentence number {n} says enough words.", ""
        )
        for n in range(10)
    ]
    units.append(Unit("c1", 99, 99, "sentence", "Too short to ask.", ""))
    loaded = SimpleNamespace(build=SimpleNamespace(units=SimpleNamespace(units=units)))
    once = Sizes(draws=1)
    every = indexed_pseudo(loaded, random.Random(3), once)  # type: ignore[arg-type]
    kinds = [p.source for p in every]
    assert kinds == ["indexed sentence"] * 10 + ["indexed heading"] * 2
    assert all(p.answerable and len(p.hidden_rows) == 1 for p in every)
    assert [p.hidden_rows[0] for p in every[:10]] == list(range(2, 12))  # in reading order
    few = indexed_pseudo(
        loaded, random.Random(3), Sizes(indexed_sentences=4, indexed_headings=1, draws=1)
    )  # type: ignore[arg-type]
    rows = [p.hidden_rows[0] for p in few if p.source == "indexed sentence"]
    assert len(rows) == 4 and rows == sorted(rows) and set(rows) <= set(range(2, 12))
    assert [p.source for p in few].count("indexed heading") == 1
    drawn = indexed_pseudo(loaded, random.Random(3), Sizes(draws=3))  # type: ignore[arg-type]
    assert len(drawn) == 3 * len(every)
    by_row: dict[tuple[int, ...], set[str]] = {}
    for p in drawn:
        by_row.setdefault(p.hidden_rows, set()).add(p.text)
    assert len(by_row) == 12  # every sentence and heading, each asked three times
    assert any(len(texts) > 1 for texts in by_row.values())  # in more than one way


def test_identifiers_are_asked_as_users_type_them() -> None:
    sentence = "Grant the comprehend:DetectEntities action to the WidgetReader role now"
    forms = {keyword_query(sentence, random.Random(seed)) for seed in SEEDS}
    assert any("comprehend:detectentities" in q for q in forms)
    assert any("comprehend:DetectEntities" in q for q in forms)
    assert any("comprehend detect entities" in q for q in forms)
    assert any("widget reader" in q for q in forms) and any("WidgetReader" in q for q in forms)
    for query in forms:  # plain words stay lower case
        capitalised = {w for w in query.split() if not w.islower()}
        assert capitalised <= {"comprehend:DetectEntities", "WidgetReader"}, query
