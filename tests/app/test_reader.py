"""The extractive reader on hand-made chunks: what leads, what comes along, in what order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from app.citing import cite, cited_first
from app.lexicon import Lexicon, words_of
from app.models import Answer, Hit, Passage
from app.reader import Composition, Reading, candidates, compose
from app.render.markdown import passage_markdown
from app.render.plain import answer_text
from docqa.sections import ReaderSettings
from ingest.models import Chunk
from ingest.units import UnitIndex, chunk_units
from tests.support.answers import unquoted
from tests.support.pages import chunk, make_chunks


def composed(pool: list, reading: Reading) -> Composition:  # type: ignore[type-arg]
    """The composition of an answer (an empty one when nothing scores)."""
    return compose(pool, reading) or Composition(())


class Build:
    """Chunks, their units, and a chosen cosine for each unit (by a word it holds)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = {c.id: c for c in chunks}
        units = tuple(u for c in chunks for u in chunk_units(c))
        self.units = UnitIndex(units, np.zeros((len(units), 4), np.float32))

    def read(
        self, question: str, liked: dict[str, float], config: ReaderSettings | None = None
    ) -> list[str]:
        """The answer's unit texts when units holding a `liked` word get that cosine."""
        sims = np.array(
            [max([v for w, v in liked.items() if w in u.text] or [0.1]) for u in self.units.units],
            dtype=np.float32,
        )
        lexicon = Lexicon.of(c.lexical_text for c in self.chunks.values())
        reading = Reading(
            self.units, self.chunks, sims, words_of(question), lexicon, config or ReaderSettings()
        )
        pages: dict[str, list[Passage]] = {}
        for c in self.chunks.values():
            pages.setdefault(c.page_id, []).append(Passage(c))
        hits = [Hit(p, 1.0, tuple(ps)) for p, ps in pages.items()]
        rows = self.units.rows_by_chunk()
        return [c.text for c in composed(candidates(hits, reading, rows), reading).units]


def test_a_list_comes_with_the_line_that_opens_it_even_across_chunks() -> None:
    build = Build(
        make_chunks(
            [
                ("gadgets", "Keys", "Gadgets keep data safe. You can pick one of two key types:"),
                ("gadgets", "Keys", "- A service key, which costs nothing\n- A customer key"),
            ]
        )
    )
    answer = build.read("Which key types can I pick?", {"key types": 0.9})
    assert answer[:3] == [
        "You can pick one of two key types:",
        "A service key, which costs nothing",
        "A customer key",
    ]


def test_a_chosen_list_item_brings_its_opening_line_first() -> None:
    build = Build(
        [
            chunk(
                "gadgets",
                0,
                "Rotation has two modes:\n- Manual rotation\n- Yearly automatic rotation",
            )
        ]
    )
    answer = build.read("Is there automatic rotation?", {"Yearly": 0.9})
    assert answer.index("Rotation has two modes:") < answer.index("Yearly automatic rotation")


def test_a_code_block_follows_its_intro_and_never_leads() -> None:
    code = '{"Effect": "Allow", "Action": "gadget:Get"}'
    markdown = f"Readers need gadget:Get. The following policy grants it:\n```\n{code}\n```"
    build = Build([chunk("gadgets", 0, markdown)])
    answer = build.read("Show me a policy for gadget:Get", {"Effect": 0.95, "following": 0.7})
    assert answer[0] != code
    assert answer.index("The following policy grants it:") + 1 == answer.index(code)


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_code_block_of_either_fence_stands_on_its_own_lines(fence: str) -> None:
    code = f'{fence}\n{{"Effect": "Allow", "Action": "gadget:Get"}}\n{fence}'
    build = Build([chunk("gadgets", 0, f"The following policy grants gadget:Get:\n{code}")])
    sims = np.array([0.9 if "gadget:Get" in u.text else 0.1 for u in build.units.units])
    lexicon = Lexicon.of(c.lexical_text for c in build.chunks.values())
    words = words_of("policy for gadget:Get")
    reading = Reading(
        build.units, build.chunks, sims.astype(np.float32), words, lexicon, ReaderSettings()
    )
    hits = [Hit("gadgets", 1.0, tuple(Passage(c) for c in build.chunks.values()))]
    blocks, _ = cite(
        composed(candidates(hits, reading, build.units.rows_by_chunk()), reading).groups()
    )
    text = answer_text(Answer("q", blocks, False))
    assert '\n\n```\n{"Effect": "Allow", "Action": "gadget:Get"}\n```\n[1]' in text


def test_a_code_block_no_sentence_introduces_never_leads_either() -> None:
    code = '{"Effect": "Allow", "Action": "gadget:Get"}'
    build = Build(
        [
            chunk("gadgets", 0, f"```\n{code}\n```", section="Policy"),
            chunk("gadgets", 1, "Readers need gadget:Get to open a gadget.", section="Access"),
        ]
    )
    answer = build.read("Show me a policy for gadget:Get", {"Effect": 0.95, "Readers": 0.6})
    assert answer[0] == "Readers need gadget:Get to open a gadget.", "a sentence leads"
    assert code in answer, "the best-matching block still comes along"


def test_a_sentence_that_leans_back_brings_the_one_before() -> None:
    build = Build(
        [
            chunk(
                "gadgets", 0, "Auditors test gadget controls every year. These include SOC and PCI."
            )
        ]
    )
    answer = build.read("Which audits cover gadgets?", {"These include": 0.9})
    assert answer[:2] == ["Auditors test gadget controls every year.", "These include SOC and PCI."]


def test_the_answering_sentence_leads_with_the_weaker_one_it_leans_on_before_it() -> None:
    # "These include ..." answers; the sentence it leans on matches poorly, yet comes first
    # so that it reads right, and a list that matches less well never takes the lead.
    text = (
        "Auditors assess gadget controls in several programs. These include SOC, ISO and PCI."
        "\n\nResources that help:\n\n- A gadget compliance workbook about PCI\n- A gadget checklist"
    )
    build = Build([chunk("gadgets", 0, text, section="Compliance")])
    liked = {"These include": 0.9, "Auditors": 0.2, "workbook": 0.75}
    answer = build.read("Is the gadget service PCI compliant?", liked)
    assert answer[:2] == [
        "Auditors assess gadget controls in several programs.",
        "These include SOC, ISO and PCI.",
    ]


def test_another_page_joins_only_when_it_adds_the_question_words() -> None:
    chunks = [
        chunk("gadgets", 0, "Gadget keys are rotated yearly."),
        chunk("widgets", 0, "Widget logs go to the audit trail."),
        chunk("sprockets", 0, "Sprockets are painted blue."),
    ]
    answer = Build(chunks).read(
        "How are gadget keys rotated, and where do widget logs go?",
        {"Gadget": 0.8, "Widget": 0.6, "Sprockets": 0.6},
    )
    assert answer[0] == "Gadget keys are rotated yearly."
    assert "Widget logs go to the audit trail." in answer
    assert "Sprockets are painted blue." not in answer


def test_citations_number_each_section_and_quote_what_the_answer_says() -> None:
    build = Build(
        [
            chunk("gadgets", 0, "Gadget keys are rotated yearly."),
            chunk("widgets", 0, "Widget logs go to the audit trail."),
        ]
    )
    sims = np.array([0.2, 0.9, 0.2, 0.85], dtype=np.float32)
    lexicon = Lexicon.of(c.lexical_text for c in build.chunks.values())
    words = words_of("gadget keys and widget logs")
    reading = Reading(build.units, build.chunks, sims, words, lexicon, ReaderSettings())
    hits = [Hit(c.page_id, 1.0, (Passage(c),)) for c in build.chunks.values()]
    chosen = composed(candidates(hits, reading, build.units.rows_by_chunk()), reading)
    blocks, citations = cite(chosen.groups())
    cited = {n for b in blocks for n in b.citations}
    assert cited == {c.n for c in citations} == {1, 2}
    assert all("#" in c.url and c.passage for c in citations)
    assert unquoted(Answer("q", blocks, False, citations=citations)) == []


def test_the_pages_an_answer_quotes_lead_its_ranking_in_citation_order() -> None:
    hits = [Hit(page, 1.0 - n / 10, ()) for n, page in enumerate(["a", "b", "c", "d"])]
    ranked = [h.page_id for h in cited_first(hits, ["c", "a", "c"])]
    assert ranked == ["c", "a", "b", "d"]
    assert [h.page_id for h in cited_first(hits, [])] == ["a", "b", "c", "d"]


def test_a_matching_item_brings_the_matching_items_of_its_long_list() -> None:
    items = [f"{verb}Gadget" for verb in ("Create", "Delete", "Describe", "List", "Update")] * 4
    items = [f"{item}{n}" for n, item in enumerate(items)]  # twenty distinct items
    lines = "\n".join(f"- {item}" for item in items)
    build = Build([chunk("gadgets", 0, "The trail logs these actions:\n" + lines)])
    answer = build.read("Which Delete actions are logged?", {"Delete": 0.8, "Create": 0.3})
    assert answer[0] == "The trail logs these actions:"
    deletes = [i for i in items if "Delete" in i]
    assert [a for a in answer if "Delete" in a] == deletes, "every matching item, in order"
    assert len(answer) - 1 <= ReaderSettings().max_items


def test_a_sentence_opening_its_section_with_this_brings_the_section_title() -> None:
    build = Build(
        [
            chunk("gadgets", 0, "Gadget keys rotate yearly.", section="Keys"),
            chunk("gadgets", 1, "This policy lets readers list gadgets.", section="GadgetReader"),
        ]
    )
    reading_sims = np.array(
        [0.9 if "This policy" in u.text else 0.1 for u in build.units.units], dtype=np.float32
    )
    lexicon = Lexicon.of(c.lexical_text for c in build.chunks.values())
    reading = Reading(
        build.units,
        build.chunks,
        reading_sims,
        words_of("reader policy"),
        lexicon,
        ReaderSettings(),
    )
    hits = [Hit("gadgets", 1.0, tuple(Passage(c) for c in build.chunks.values()))]
    chosen = composed(candidates(hits, reading, build.units.rows_by_chunk()), reading)
    blocks, citations = cite(chosen.groups())
    text = answer_text(Answer("q", blocks, False, citations=citations))
    # The section title leads, then the sentence that leans on it; the source shows the title.
    assert text.startswith("GadgetReader\n\nThis policy lets readers list gadgets. [1]")
    assert blocks[0].kind == "label"
    assert passage_markdown(citations[0]).startswith("**GadgetReader**")


def test_the_length_budget_bounds_an_answer_and_a_close_unit_is_never_cut_by_count() -> None:
    # Twelve sentences, each as close to the question: as many join as the budget holds.
    sentences = [
        "Gadget doors lock with a badge reader after dark.",
        "A locked vault opens only for its two named owners.",
        "Each key drawer logs who opened it and when.",
        "Lids on the storage bins snap shut by themselves.",
        "Hatches in the floor need a second person present.",
        "Outer gates close at ten and reopen at six.",
        "Shipping boxes are sealed with numbered tape.",
        "Display cases use glass that resists a hammer.",
        "Every safe asks for a six digit code twice.",
        "Cash tills lock when the shift manager leaves.",
        "Network ports stay disabled until an admin enables them.",
        "Spare badges sit in a locked cabinet at reception.",
    ]
    build = Build([chunk("gadgets", 0, " ".join(sentences))])
    answer = build.read("How are gadgets locked?", {"": 0.8})
    assert sorted(answer) == sorted(sentences), "all twelve fit in the budget: all join"
    short = build.read("How are gadgets locked?", {"": 0.8}, ReaderSettings(max_chars=300))
    size = sum(len(t) for t in short)
    assert 300 - 60 < size <= 300, "filled up to a smaller budget, never past it"


def test_a_sentence_opening_a_step_brings_the_title_line_that_names_it() -> None:
    text = (
        "Gadget vaults keep spare keys.\n\n"
        "**Seal the vault door**  \n"
        "Turn the handle until the gadget lock clicks. Then check the seal."
    )
    build = Build([chunk("gadgets", 0, text, section="Vaults")])
    answer = build.read("How do I lock the gadget vault handle?", {"Turn the handle": 0.9})
    assert answer[:2] == ["Seal the vault door", "Turn the handle until the gadget lock clicks."]
    # A sentence inside the paragraph is not opened by the title line.
    inner = build.read("What do I check after locking?", {"check the seal": 0.9})
    assert "Seal the vault door" not in inner


def test_a_title_line_is_never_quoted_without_the_sentence_it_names() -> None:
    text = (
        "Gadget vaults keep spare keys. Turn the gadget handle to lock a vault.\n\n"
        "**Note**  \n"
        "A gadget vault handle also turns from inside the vault."
    )
    build = Build([chunk("gadgets", 0, text, section="Vaults")])
    # The title line itself matches best: it comes with the sentence it names.
    answer = build.read("How do I lock the gadget vault handle?", {"Note": 0.9, "Turn": 0.8})
    assert answer.index("Note") + 1 == answer.index(
        "A gadget vault handle also turns from inside the vault."
    )
    # When that sentence is already quoted (pages repeat notes), the title does not stand alone.
    repeated = text + "\n\n**Note**  \nA gadget vault handle also turns from inside the vault."
    build = Build([chunk("gadgets", 0, repeated, section="Vaults")])
    answer = build.read("How do I lock the gadget vault handle?", {"Note": 0.9, "Turn": 0.8})
    assert answer.count("Note") <= answer.count(
        "A gadget vault handle also turns from inside the vault."
    )


def test_a_title_line_is_quoted_as_a_label_on_its_own_line() -> None:
    text = "**Seal the vault door**\n\nTurn the handle until the gadget lock clicks."
    build = Build([chunk("gadgets", 0, text, section="Vaults")])
    sims = np.array([0.9 if "Turn" in u.text else 0.1 for u in build.units.units], dtype=np.float32)
    lexicon = Lexicon.of(c.lexical_text for c in build.chunks.values())
    reading = Reading(
        build.units, build.chunks, sims, words_of("lock handle"), lexicon, ReaderSettings()
    )
    hits = [Hit("gadgets", 1.0, tuple(Passage(c) for c in build.chunks.values()))]
    blocks, citations = cite(
        composed(candidates(hits, reading, build.units.rows_by_chunk()), reading).groups()
    )
    answer = answer_text(Answer("q", blocks, False, citations=citations))
    assert answer.startswith(
        "Seal the vault door\n\nTurn the handle until the gadget lock clicks. [1]"
    )
    assert blocks[0].kind == "label" and blocks[0].quotes[0].kind == "title"
    # The source shows it bold, as the answer does.
    assert passage_markdown(citations[0]).startswith("**Seal the vault door**\n")


TABLE = (
    "Each gadget lock has been changed over the years.\n\n"
    "| Gadget | Lock | Since |\n| --- | --- | --- |\n"
    "| Blue gadget | brass lock | 2019 |\n| Red gadget | steel lock | 2021 |\n"
    "| Green gadget | glass lock | 2023 |"
)


def cited(build: Build, question: str, liked: str) -> str:
    """The answer text (`cite`) when units holding `liked` get cosine 0.9."""
    sims = np.array([0.9 if liked in u.text else 0.1 for u in build.units.units], np.float32)
    lexicon = Lexicon.of(c.lexical_text for c in build.chunks.values())
    reading = Reading(
        build.units, build.chunks, sims, words_of(question), lexicon, ReaderSettings()
    )
    hits = [Hit("gadgets", 1.0, tuple(Passage(c) for c in build.chunks.values()))]
    blocks, citations = cite(
        composed(candidates(hits, reading, build.units.rows_by_chunk()), reading).groups()
    )
    quoted = Answer(question, blocks, False, citations=citations)
    assert unquoted(quoted) == [], "every piece is quoted from the source it cites"
    return answer_text(quoted)


def test_a_table_row_comes_under_its_header_and_is_quoted_as_a_table() -> None:
    build = Build([chunk("gadgets", 0, TABLE, section="Locks")])
    answer = cited(build, "Which lock does the red gadget have?", "Red gadget")
    table = (
        "| Gadget | Lock | Since |\n| --- | --- | --- |\n| Red gadget | steel lock | 2021 |\n[1]"
    )
    assert answer.startswith(table), "header, rule line and row as one table, marked after it"


def test_a_header_row_that_leads_brings_its_rows() -> None:
    build = Build([chunk("gadgets", 0, TABLE, section="Locks")])
    answer = build.read("Since when has each gadget had its lock?", {"| Gadget |": 0.9})
    rows = [line for line in TABLE.splitlines() if line.startswith("| ") and "---" not in line]
    assert answer[: len(rows)] == rows


def test_a_table_split_into_chunks_is_quoted_as_one_table() -> None:
    head = "| Gadget | Lock | Since |\n| --- | --- | --- |\n"
    build = Build(
        make_chunks(
            [
                ("gadgets", "Locks", head + "| Blue gadget | brass lock | 2019 |"),
                ("gadgets", "Locks", head + "| Green gadget | glass lock | 2023 |"),
            ]
        )
    )
    answer = cited(build, "Which lock does the green gadget have?", "Green gadget")
    assert answer.startswith(head + "| Green gadget | glass lock | 2023 |\n[1]")
    assert answer.count("| Gadget |") == 1, "the header the second piece repeats is left out"


def test_two_tables_of_a_section_are_quoted_as_two_tables() -> None:
    keys = "| Key | Owner |\n| --- | --- |\n| Brass key | Ann |"
    text = f"{TABLE}\n\nThe keys are kept apart from the gadgets.\n\n{keys}"
    build = Build([chunk("gadgets", 0, text, section="Locks")])
    answer = cited(build, "Who owns the brass key of the red gadget?", " | ")  # rows only
    assert "| Green gadget | glass lock | 2023 |\n[1]" in answer, "one table, then its marker"
    assert keys + "\n[1]" in answer, "the second table has its own header, rule line and marker"
