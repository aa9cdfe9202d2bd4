"""The one parser, on pages written in the AWS docs flavour: sections of typed blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.markdown import parse
from ingest.models import Block

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    text = (FIXTURES / "widget-encryption.md").read_text()
    return parse(text, "widget-encryption", "https://example.com/widget-encryption.html")


def kinds(blocks: tuple[Block, ...]) -> list[str]:
    return [b.kind for b in blocks]


def test_title_anchors_and_heading_paths(page) -> None:  # type: ignore[no-untyped-def]
    assert page.title == "Encrypting widgets at rest in Example Service" and page.titled
    anchors = [s.anchor for s in page.sections]
    assert anchors == [
        "widget-encryption",
        "widget-encryption-keys",
        "widget-encryption-grants",
        "widget-encryption-permissions-table",
    ]
    assert page.sections[3].path == (
        "Encrypting widgets at rest in Example Service",
        "Granting access",
        "Permissions by operation",
    )
    assert page.sections[3].level == 3


def test_escapes_emphasis_and_images_are_gone_from_the_words(page) -> None:  # type: ignore[no-untyped-def]
    intro = page.sections[0].text
    assert "(escapes, anchors, lists)." in intro and "\\" not in intro
    keys = page.sections[1].text
    assert "![" not in keys and "widget-key.png" not in keys and "**" not in keys
    assert "Open the Widgets console." in keys


def test_a_list_is_items_with_the_paragraph_that_opens_it(page) -> None:  # type: ignore[no-untyped-def]
    blocks = page.sections[1].blocks
    assert kinds(blocks)[:3] == ["paragraph", "item", "item"]
    intro, first, second = blocks[:3]
    assert intro.text == "You can pick one of two key types:" and intro.opens == "list"
    assert first.text == "A service-owned key, which costs nothing" and first.first
    assert second.intro == first.intro == intro.text and not second.first
    steps = [b for b in blocks if b.kind == "item" and b.number is not None]
    assert [b.number for b in steps] == [1, 2, 3], "a numbered list counts, as Markdown does"


def test_bold_words_on_a_line_of_their_own_are_a_title_line(page) -> None:  # type: ignore[no-untyped-def]
    topics = page.sections[0].blocks
    assert Block("title", "Topics") in topics
    parsed = parse("# T\n\n**Important**  \nKeep the key.\n\nA **bold** word inside.\n", "t", "u")
    assert kinds(parsed.sections[0].blocks) == ["title", "paragraph", "paragraph"]
    assert parsed.sections[0].blocks[1].text == "Keep the key."
    assert parsed.sections[0].blocks[2].text == "A bold word inside."


def test_code_is_one_block_kept_verbatim_after_its_intro(page) -> None:  # type: ignore[no-untyped-def]
    blocks = page.sections[2].blocks
    assert kinds(blocks) == ["paragraph", "code"] and blocks[0].opens == "code"
    assert '"Action": ["widget:Decrypt", "widget:DescribeKey"],' in blocks[1].text
    assert blocks[1].intro.endswith("The following policy grants it:")


def test_a_table_is_its_rows_of_cells_header_first(page) -> None:  # type: ignore[no-untyped-def]
    (table,) = [b for b in page.sections[3].blocks if b.kind == "table"]
    assert table.cells[0] == ("Operation", "Permission needed", "Notes")
    assert table.cells[1] == ("CreateWidget", "widget:Encrypt", "Only when a CMK is set")
    assert "| CreateWidget | widget:Encrypt | Only when a CMK is set |" in page.sections[3].text


def test_links_become_metadata(page) -> None:  # type: ignore[no-untyped-def]
    targets = {(link.target, link.anchor) for link in page.links}
    assert ("widget-rotation", "rotation-steps") in targets
    assert ("https://example.com/reference.html", "") in targets
    assert "Rotating keys" in page.sections[1].text
    assert "widget-rotation.md" not in page.sections[1].text


def test_page_without_heading_gets_title_from_id() -> None:
    text = (FIXTURES / "no-heading.md").read_text()
    page = parse(text, "notes/no-heading", "u")
    assert page.title == "No heading" and not page.titled
    assert page.sections[0].anchor == "no-heading"
    assert "gizmo quotas" in page.sections[0].text


def test_an_unclosed_code_fence_keeps_its_lines() -> None:
    page = parse("# T\n\n```\nline one\nline two", "t", "u")
    assert page.sections[0].blocks == (Block("code", "line one\nline two"),)


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_fenced_block_is_kept_whole_and_holds_no_heading(fence: str) -> None:
    text = f"# T\n\nRun:\n\n{fence}sh\n# not a heading\n\\*kept\\*\n{fence}\n\n## Next\n\nMore.\n"
    page = parse(text, "t", "u")
    assert [s.heading for s in page.sections] == ["T", "Next"]
    code = page.sections[0].blocks[-1]
    assert (code.kind, code.info, code.text) == ("code", "sh", "# not a heading\n\\*kept\\*")


def test_an_anchor_after_a_closing_fence_closes_the_block() -> None:
    text = '# T\n\n```\ncode\n```<a name="next"></a>\n\nAfter the code.\n'
    blocks = parse(text, "t", "u").sections[0].blocks
    assert blocks == (Block("code", "code"), Block("paragraph", "After the code."))


def test_code_spans_keep_their_asterisks_and_backslashes() -> None:
    line = (
        r'The resource is always `"*"`\. Use **bold** here, `Start*` and `c:\folder`, not Start\*\.'
    )
    (block,) = parse(f"# T\n\n{line}\n", "t", "u").sections[0].blocks
    assert block.text == (
        r'The resource is always `"*"`. Use bold here, `Start*` and `c:\folder`, not Start*.'
    )


def test_a_block_survives_its_record() -> None:
    block = Block("table", cells=(("a", "b"), ("1", "2")), intro="Rows:", depth=1)
    assert Block.from_record(block.to_record()) == block
    item = Block("item", "one", number=3, first=True, intro="Steps:")
    assert Block.from_record(item.to_record()) == item


def test_real_pages_parse(security_corpus: Path) -> None:
    for path in sorted(security_corpus.glob("*.md")):
        page = parse(path.read_text(), path.stem, "u")
        assert page.title and not page.title.startswith("#"), path.name
        assert page.sections[0].anchor == path.stem, path.name
        assert all(s.anchor for s in page.sections), path.name
        assert all(b.text or b.cells for s in page.sections for b in s.blocks), path.name


def test_every_guide_page_parses_into_sections_with_headings(aws_guides: Path) -> None:
    files = sorted(aws_guides.rglob("*.md"))
    assert len(files) > 1000
    for path in files:
        page = parse(path.read_text(encoding="utf-8", errors="replace"), path.stem, "")
        assert all(s.heading for s in page.sections), path
