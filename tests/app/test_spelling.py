"""Typos read as the pages' words, and nothing else touched."""

from __future__ import annotations

from app.spelling import Fix, Speller, note

# The pages' words, each with its IDF.
PAGES = dict(encrypt=2.0, encryption=1.5, endpoint=1.0, endpoints=1.2, access=0.5, accessing=2.5)
PAGES |= dict(resilience=3.0, doesn=1.0, network=1.0, shelf=3.0, instead=1.0, installed=2.0)
ENGLISH = {"the", "grill", "terraform", "cheese", "bucket"}


def speller() -> Speller:
    return Speller(PAGES, ENGLISH)


def test_a_typo_is_read_as_the_pages_word_one_edit_away() -> None:
    text, fixes = speller().correct("does it encrpyt data when acess goes over the netwrok")
    assert text == "does it encrypt data when access goes over the network"
    assert fixes == (Fix("encrpyt", "encrypt"), Fix("acess", "access"), Fix("netwrok", "network"))


def test_the_closest_word_wins_then_the_most_common() -> None:
    assert Speller(dict(accent=1.0, access=2.0), ["the"]).read("accesx") == "access"
    assert Speller(dict(sheet=1.0, shelf=2.0), ["the"]).read("sheef") == "sheet"


def test_a_long_word_may_be_two_edits_away_a_short_one_only_one() -> None:
    assert speller().read("enpdoints") == "endpoints"  # a transposition and ...
    assert speller().read("acesing") is None  # two edits, but only 7 letters
    assert speller().read("accesssingg") == "accessing"


def test_words_spelt_right_are_left_alone() -> None:
    sp = speller()
    for word in ("terraform", "cheese", "encrypting", "resilient", "grilling", "doesnt"):
        assert sp.read(word) is None, word  # English, or a form of a word of the pages


def test_a_short_stem_that_begins_a_page_word_is_no_proof_of_spelling() -> None:
    assert speller().read("insted") == "instead"  # its stem "inst" begins "installed"
    assert speller().read("resilient") is None  # "resili" begins "resilience"


def test_identifiers_acronyms_short_words_and_words_with_digits_are_left_alone() -> None:
    text, fixes = speller().correct("EncrpytKey ACESS boto3 netwrk3 shlf acess")
    assert text == "EncrpytKey ACESS boto3 netwrk3 shlf access" and len(fixes) == 1


def test_the_first_letter_is_kept_and_a_capital_too() -> None:
    assert speller().read("xncrypt") is None
    assert speller().read("Acess") == "Access"


def test_without_english_words_nothing_is_corrected() -> None:
    assert Speller(PAGES, []).correct("acess") == ("acess", ())


def test_the_note_says_what_was_read_how() -> None:
    assert note([Fix("acess", "access")]) == 'Read as: "access" for "acess".'
    assert note([]) == ""
