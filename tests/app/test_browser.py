"""The app in a real browser: `docqa serve` on a free port, Debian's Chromium via Playwright."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.embedders import FAKE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "How does Amazon Comprehend encrypt the output of a job with KMS?"
ASSISTANT = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
SCROLL_HEIGHT = "Math.max(...[...document.querySelectorAll('*')].map((e) => e.scrollHeight))"
# True once an assistant message shows a word of answer text (the spinner does not count);
# checked on every animation frame, so the timing is not rounded to a polling interval.
FIRST_WORDS = """() => [...document.querySelectorAll('[data-testid="stChatMessage"]')].some(
  (m) => m.querySelector('[data-testid="stChatMessageAvatarAssistant"]') &&
    [...m.querySelectorAll('[data-testid="stMarkdownContainer"]')].some(
      (c) => !c.closest('[data-testid="stSpinner"]') && /\\w{3,}/.test(c.innerText)))"""


@pytest.fixture
def server(fake_index, eval_run: Path, serve_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """`docqa serve` over an index of the 16 pages (fake embedder) and a made-up eval run."""
    env = {
        "DOCQA_DATA_DIR": str(fake_index.data_dir),
        "DOCQA_EMBED_MODEL": fake_index.embed_model,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    with serve_app(env) as served:
        yield served.url


def shoot(page: Any, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main area, so grow the window
    until the content fits."""
    height = 900
    for _ in range(4):
        page.set_viewport_size({"width": 1280, "height": height})
        page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
        page.wait_for_timeout(300)
        needed = page.evaluate(SCROLL_HEIGHT)
        if needed <= height:
            break
        height = int(needed) + 60
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_ask_and_evaluation_pages_in_a_browser(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)  # a loaded machine renders slowly; 5 s is expect's own
    page.goto(server)
    expect(
        page.get_by_role("button", name="How can I prevent the confused deputy problem?")
    ).to_be_visible()
    shoot(page, "ask-start.png")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    start = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(FIRST_WORDS, polling="raf")
    first_answer_s = time.perf_counter() - start
    print(f"\ntime from Enter to the first answer text in the browser: {first_answer_s:.2f} s")

    citation = page.locator(f"{ASSISTANT} a[href^='https://docs.aws.amazon.com/']").first
    expect(citation).to_be_visible()
    assert re.match(r"https://docs\.aws\.amazon\.com/\S+\.html#\S+", citation.get_attribute("href"))
    expander = page.locator(f"{ASSISTANT} [data-testid='stExpander'] summary").first
    expander.click()
    passage = page.locator(f"{ASSISTANT} [data-testid='stExpanderDetails']").first
    expect(passage).to_be_visible()
    expect(passage).to_contain_text(re.compile(r"\w+ \w+ \w+"))
    expect(page.get_by_role("button", name="New conversation")).to_be_visible()
    shoot(page, "ask.png")

    injected = "Do <script>window.pwned=1</script><img src=x onerror=window.pwned=1> jobs log?"
    box.fill(injected)
    box.press("Enter")
    user = page.locator(
        '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarUser"])'
    ).last
    expect(user).to_contain_text("<script>window.pwned=1</script>")
    expect(page.locator(f"{ASSISTANT}").nth(1)).to_contain_text(re.compile(r"\w{3,}"))
    assert page.evaluate("window.pwned") is None
    assert page.locator("[data-testid='stChatMessage'] img[src='x']").count() == 0

    box.fill("What is the capital of France?")
    box.press("Enter")
    refusal = page.locator(ASSISTANT).nth(2)
    expect(refusal).to_contain_text("Not in the documentation")
    expect(refusal.get_by_test_id("stExpander")).to_have_count(0)
    shoot(page, "ask-conversation.png")

    page.get_by_test_id("stSidebarNav").get_by_text("Evaluation").click()
    expect(page.get_by_text("Systems side by side")).to_be_visible()
    expect(page.get_by_test_id("stImage").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    shoot(page, "evaluation.png")
