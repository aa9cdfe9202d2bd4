"""Fenced code blocks: ``` and ~~~ alike, closed only by a line of the same marker."""

from __future__ import annotations

import pytest

from ingest.fences import code_blocks, fence_of, is_code


def test_fence_of_a_line() -> None:
    assert fence_of("```json") == "```" and fence_of("   ~~~") == "~~~"
    assert fence_of("text ```") is None and fence_of("``") is None


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_block_runs_to_a_line_of_its_own_marker(fence: str) -> None:
    other = "~~~" if fence == "```" else "```"
    text = f"Intro\n{fence}sh\nrun {other}\n{other}\nmore\n  {fence}\nAfter"
    (block,) = code_blocks(text)
    assert block.group(1, 2) == (fence, "sh")
    assert block.group(3) == f"run {other}\n{other}\nmore"
    assert is_code(block.group(0)) and not is_code("Intro")


def test_an_unclosed_or_indented_opening_is_no_block() -> None:
    assert not list(code_blocks("```\nnever closed"))
    assert not list(code_blocks("  ```\nindented opening\n```x"))
