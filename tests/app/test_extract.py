"""Extractive answers: units, stemmed scoring, and sentences that need their neighbours."""

from __future__ import annotations

from app.extract import coverage, follow_on, idf_table, score_units, select, stem, units_of
from app.models import Hit, Passage

TEXT = (
    "Widgets are audited by outside reviewers as part of several certification schemes. "
    "These include ALPHA, BETA and GAMMA. Reports can be downloaded from the portal.\n"
    "- **Widget keys** – Each widget has its own key. You also choose how often the keys "
    "change and who may read them.\n"
    "- **Widget logs** – Logs are kept in a bucket."
)


def passage(text: str = TEXT, chunk_id: str = "p#0") -> Passage:
    return Passage(chunk_id, "widgets", "Widgets", "Overview", "overview", "u", text, "Widgets")


def test_a_short_list_item_is_one_unit_and_prose_is_split_into_sentences() -> None:
    units = [text for text, _ in units_of(TEXT)]
    assert units[:3] == [
        "Widgets are audited by outside reviewers as part of several certification schemes.",
        "These include ALPHA, BETA and GAMMA.",
        "Reports can be downloaded from the portal.",
    ]
    assert units[3].startswith("- **Widget keys**") and units[3].endswith("read them.")
    paragraphs = [n for _, n in units_of(TEXT)]
    assert paragraphs[0] == paragraphs[1] == paragraphs[2] != paragraphs[3]


def test_coverage_matches_words_by_stem() -> None:
    idf = {"field": 2.0, "names": 1.0}
    assert stem("fields") == stem("field") and stem("kms:CreateGrant") == "kms:CreateGrant"
    assert coverage(["fields", "names"], "a Name field", idf) == 1.0
    assert coverage(["fields", "names"], "nothing here", idf) == 0.0


def test_a_sentence_that_leans_on_the_chosen_one_comes_along() -> None:
    hits = [Hit("widgets", 1.0, (passage(),))]
    idf = idf_table([TEXT])
    units = score_units("Which certification schemes audit widgets?", hits, idf)
    first = next(u for u in units if u.text.startswith("Widgets are audited"))
    assert [u.text for u in follow_on(first, units)] == ["These include ALPHA, BETA and GAMMA."]
    chosen = [u.text for u in select(units)]
    assert "These include ALPHA, BETA and GAMMA." in chosen
    # The unrelated sentence after it is not dragged along.
    last = next(u for u in units if u.text.startswith("Reports"))
    assert follow_on(last, units) == []


def test_select_keeps_reading_order_and_skips_repeats() -> None:
    twice = TEXT + "\nWidgets are audited by outside reviewers as part of several schemes."
    hits = [Hit("widgets", 1.0, (passage(twice),))]
    chosen = select(score_units("widgets audited reviewers", hits, idf_table([twice])))
    texts = [u.text for u in chosen]
    assert sum("audited by outside reviewers" in t for t in texts) == 1
    assert [u.position for u in chosen] == sorted(u.position for u in chosen)


def test_paragraphs_are_told_apart_across_code_blocks() -> None:
    text = "Intro line.\n\n\n\nSee this:\n```\n{}\n```\nThis follows the code.\nNext one."
    units = units_of(text)
    paragraphs = {t: n for t, n in units}
    assert len(set(paragraphs.values())) == len(units) == 5
    assert [t for t, _ in units][2] == "```\n{}\n```"
    assert sorted(paragraphs.values()) == [n for _, n in units]
