"""The parser on fixture pages written in the AWS docs flavour."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse import parse, unescape

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    text = (FIXTURES / "widget-encryption.md").read_text()
    return parse(text, "widget-encryption", "https://example.com/widget-encryption.html")


def test_title_and_anchors(page) -> None:  # type: ignore[no-untyped-def]
    assert page.title == "Encrypting widgets at rest in Example Service"
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


def test_escapes_removed_outside_code(page) -> None:  # type: ignore[no-untyped-def]
    intro = page.sections[0].text
    assert "(escapes, anchors, lists)." in intro
    assert "\\" not in intro
    assert "service-owned key" in page.sections[1].text


def test_bullets_steps_and_images(page) -> None:  # type: ignore[no-untyped-def]
    keys = page.sections[1].text
    assert "- A customer managed key (CMK) that you rotate yourself" in keys
    assert "1. Open the Widgets console." in keys
    assert "![" not in keys and "widget-key.png" not in keys
    assert "**" not in keys


def test_code_block_kept_verbatim(page) -> None:  # type: ignore[no-untyped-def]
    grants = page.sections[2].text
    assert '"Action": ["widget:Decrypt", "widget:DescribeKey"],' in grants
    assert grants.count("```") == 2


def test_table_rows_kept(page) -> None:  # type: ignore[no-untyped-def]
    table = page.sections[3].text
    assert "| CreateWidget | widget:Encrypt | Only when a CMK is set |" in table


def test_links_become_metadata(page) -> None:  # type: ignore[no-untyped-def]
    targets = {(link.target, link.anchor) for link in page.links}
    assert ("widget-rotation", "rotation-steps") in targets
    assert ("https://example.com/reference.html", "") in targets
    assert "Rotating keys" in page.sections[1].text
    assert "widget-rotation.md" not in page.sections[1].text


def test_page_without_heading_gets_title_from_id() -> None:
    text = (FIXTURES / "no-heading.md").read_text()
    page = parse(text, "notes/no-heading", "u")
    assert page.title == "No heading"
    assert page.sections[0].anchor == "no-heading"
    assert "gizmo quotas" in page.sections[0].text


def test_unclosed_code_fence_keeps_text() -> None:
    page = parse("# T\n\n```\nline one\nline two", "t", "u")
    assert "line two" in page.sections[0].text


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_fenced_block_is_kept_whole_and_holds_no_heading(fence: str) -> None:
    text = f"# T\n\nRun:\n\n{fence}sh\n# not a heading\n\\*kept\\*\n{fence}\n\n## Next\n\nMore.\n"
    page = parse(text, "t", "u")
    assert [s.heading for s in page.sections] == ["T", "Next"]
    assert f"{fence}sh\n# not a heading\n\\*kept\\*\n{fence}" in page.sections[0].text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("\\(AWS KMS\\)", "(AWS KMS)"), ("Start\\*", "Start*"), ("a\\-b", "a-b"), ("\\\\", "\\")],
)
def test_unescape(raw: str, clean: str) -> None:
    assert unescape(raw) == clean


def test_real_pages_parse(security_corpus: Path) -> None:
    for path in sorted(security_corpus.glob("*.md")):
        page = parse(path.read_text(), path.stem, "u")
        assert page.title and not page.title.startswith("#"), path.name
        assert page.sections[0].anchor == path.stem, path.name
        assert all(s.anchor for s in page.sections), path.name


def test_code_spans_keep_their_asterisks_and_backslashes() -> None:
    from ingest.parse import clean_line

    line = (
        r'The resource is always `"*"`\. Use **bold** here, `Start*` and `c:\folder`, not Start\*\.'
    )
    assert clean_line(line, []) == (
        r'The resource is always `"*"`. Use bold here, `Start*` and `c:\folder`, not Start*.'
    )


def headings(text: str, page_id: str, body: bool) -> list[tuple[str, tuple[str, ...], int]]:
    return [(s.anchor, s.path, s.level) for s in parse(text, page_id, "", body=body).sections]


def test_headings_only_keeps_exactly_the_sections_of_a_full_parse() -> None:
    text = (
        '# Gadgets<a name="gadgets"></a>\n\nIntro \\(with escapes\\).\n\n'
        '## Only an image<a name="img"></a>\n\n![A picture](pic.png)\n<a name="x"></a>\n\n'
        "## Code only\n\n```\nspin --fast\n```\n\n### Deeper\n\nWords [here](other.md).\n"
    )
    assert headings(text, "gadgets", body=False) == headings(text, "gadgets", body=True)
    paths = [p for _, p, _ in headings(text, "gadgets", body=False)]
    assert ("Gadgets", "Only an image") not in paths  # blank once cleaned: dropped in both
    assert ("Gadgets", "Code only", "Deeper") in paths


def test_headings_only_matches_a_full_parse_on_every_guide_page(aws_guides: Path) -> None:
    files = sorted(aws_guides.rglob("*.md"))
    assert len(files) > 1000
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert headings(text, path.stem, False) == headings(text, path.stem, True), path
