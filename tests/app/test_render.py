"""Answer and page text to safe Markdown."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import Citation
from app.render import (
    answer_markdown,
    escape,
    inline,
    link,
    plain,
    safe_url,
    source_line,
    to_markdown,
    words,
)

URL = "https://docs.aws.amazon.com/comprehend/latest/dg/kms-in-comprehend.html#kms-perms"


def cite(n: int = 1, url: str = URL, title: str = "KMS", section: str = "Perms") -> Citation:
    return Citation(n, "kms-in-comprehend", title, section, url, "passage", 0.5)


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@given(st.text())
def test_escape_keeps_the_text_and_leaves_no_special_character_bare(text: str) -> None:
    out = escape(text)
    assert unescaped(out) == text
    bare = re.sub(r"\\.", "", out)
    assert not set(bare) & set("\\`*_{}[]()#+-.!|<>~$:&=^")


def test_html_and_markdown_are_escaped() -> None:
    out = inline("<script>alert(1)</script> **bold** [x](javascript:alert(1)) :red[hi] $x$")
    assert "<" not in out.replace("\\<", "")
    assert "](" not in out and "**" not in out and ":red[" not in out and "$x$" not in out


def test_markers_link_to_the_cited_section_and_unknown_ones_stay_text() -> None:
    out = answer_markdown("Keys are yours. [1] Not a source [7].", [cite()])
    assert f"[\\[1\\]]({URL})" in out
    assert "\\[7\\]" in out and out.count("](") == 1


def test_code_spans_and_fenced_blocks_stay_code() -> None:
    text = 'Use `kms:CreateGrant` here. [1]\n\n```json\n{"a": "<b>"}\n```\n[1]'
    out = answer_markdown(text, [cite()])
    assert "`kms:CreateGrant`" in out
    assert '```json\n{"a": "<b>"}\n```' in out


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_fenced_block_of_either_kind_is_rendered_as_code(fence: str) -> None:
    out = to_markdown(f"Run this: [1]\n{fence}sh\necho <b> *x*\n{fence}\nDone.", {1: URL})
    assert "```sh\necho <b> *x*\n```" in out
    assert out.endswith("Done\\.")


def test_a_fence_inside_code_cannot_close_the_block_early() -> None:
    out = to_markdown("```\nbefore ``` <script>\n```")
    assert out.startswith("````\n") and out.endswith("\n````")


def test_unclosed_fence_is_escaped_text() -> None:
    assert to_markdown("```\n<b>x</b>") == "\\`\\`\\`  \n\\<b\\>x\\</b\\>"


def test_lists_tables_and_headings_keep_their_shape_with_escaped_content() -> None:
    text = "Options:\n- Volume *encryption*\n- Output\n\n| Key | Use |\n|---|---|\n| a<b | c |"
    out = to_markdown(text)
    assert "- Volume \\*encryption\\*\n- Output" in out
    assert "| Key | Use |\n| --- | --- |\n| a\\<b | c |" in out
    assert to_markdown("## Title <i>") == "**Title \\<i\\>**"


def test_the_answers_labels_stay_bold_and_typed_asterisks_stay_text() -> None:
    text = "**Seal the *vault* door** [1]\n\nTurn the handle. [1]"
    out = answer_markdown(text, [cite()])
    assert out.startswith(f"**Seal the \\*vault\\* door** [\\[1\\]]({URL})\n\nTurn")
    assert to_markdown("**x** <b>", labels=True) == "\\*\\*x\\*\\* \\<b\\>", "a label stands alone"
    assert to_markdown("**Seal the door**") == "\\*\\*Seal the door\\*\\*", "typed: shown as typed"


def test_only_web_urls_become_links() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("https://x.test/a b(c)") == "https://x.test/a%20b%28c%29"
    assert link("click", "javascript:alert(1)") == "click"
    assert answer_markdown("See [1]", [cite(url="javascript:alert(1)")]) == "See \\[1\\]"


def test_source_line_has_number_title_link_and_section() -> None:
    line = source_line(cite(title="KMS <encryption>", section="Perms"))
    assert line == f"**\\[1\\]** [KMS \\<encryption\\>]({URL}) › Perms"
    assert "›" not in source_line(cite(title="Same", section="Same"))


def test_plain_collapses_whitespace_and_keeps_code() -> None:
    assert plain("Run  `docqa ingest --rebuild`\n now.") == "Run `docqa ingest --rebuild` now\\."


@given(st.text())
def test_words_put_back_together_give_the_same_markdown(text: str) -> None:
    assert "".join(words(text)) == text


def test_streaming_waits_are_spread_over_the_time_asked_and_capped_per_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The waits it asks for are recorded, not timed: a busy machine cannot change them.
    waits: list[float] = []
    monkeypatch.setattr("app.render.time.sleep", waits.append)
    assert len(list(words("word " * 200, seconds=0.2))) == 200
    assert len(waits) == 200 and sum(waits) == pytest.approx(0.2)
    waits.clear()
    assert len(list(words("a b c", seconds=5.0, max_delay=0.03))) == 3
    assert waits == [0.03] * 3, "a short answer never crawls"
    waits.clear()
    assert "".join(words("all at once", seconds=0.0)) == "all at once" and waits == []
