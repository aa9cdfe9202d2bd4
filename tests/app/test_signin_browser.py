"""Sign-in and roles in a real browser: a real OpenID provider (oidc-provider-mock) and
`docqa serve --host 0.0.0.0` on free ports, Debian's Chromium driven by Playwright. Traffic
stays on 127.0.0.1."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.WidgetStates_pb2 import WidgetState

from docqa.settings import Settings, settings_env
from ingest.store import open_store
from tests.app.test_browser import QUESTION
from tests.support.servers import Running, free_port, serving

pytestmark = pytest.mark.slow

VIEWER, MAINTAINER = "viewer@example.com", "lead@example.com"
GROUP = "docqa-maintainers"
ASSISTANT = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Running]:
    """A real OpenID provider on 127.0.0.1 with a viewer and a maintainer (by group)."""
    users = [
        {"sub": "viewer", "email": VIEWER, "name": "Vera Viewer"},
        {"sub": "lead", "email": MAINTAINER, "name": "Lee Lead", "groups": [GROUP]},
    ]
    args = ["oidc_provider_mock", "--port", "{port}"]
    for user in users:
        args += ["--user-claims", json.dumps(user)]
    health = "/.well-known/openid-configuration"
    with serving(args, {}, tmp_path / "oidc.log", health=health) as running:
        yield running


def sign_in_env(settings: Settings, provider: Running, port: int) -> dict[str, str]:
    """docqa's own settings for sign-in (no Streamlit secrets file of the user's)."""
    serving_settings = {
        "oidc_metadata_url": f"{provider.url}/.well-known/openid-configuration",
        "oidc_client_id": "docqa",
        "oidc_client_secret": secrets.token_urlsafe(16),
        "cookie_secret": secrets.token_urlsafe(32),
        "public_url": f"http://127.0.0.1:{port}",
        "maintainer_group": GROUP,
        "questions_per_minute": 2,
    }
    return settings_env(settings, serving=serving_settings)


@pytest.fixture
def app(
    fake_index: Settings, provider: Running, tmp_path: Path, security_corpus: Path
) -> Iterator[Running]:
    port = free_port()
    settings = fake_index.with_overrides(corpus_dir=security_corpus)  # what Rebuild reads
    env = {**sign_in_env(settings, provider, port), "HOME": str(tmp_path)}
    args = ["docqa", "serve", "--host", "0.0.0.0", "--port", "{port}"]
    with serving(args, env, tmp_path / "serve.log", "/_stcore/health", port=port) as running:
        yield running


def audit(settings: Settings) -> list[dict[str, Any]]:
    path = settings.data_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def sign_in(page: Any, url: str, who: str) -> None:
    """From the app's sign-in page through the provider's form, back signed in."""
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=who, exact=True).click()  # the provider's user button
    expect(page.get_by_text("Signed in as")).to_be_visible()


def sign_out(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's logout form
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def rebuild_press(frames: list[bytes]) -> WidgetState:
    """The press of the Rebuild button among what a maintainer's browser sent."""
    for frame in frames:
        message = BackMsg()
        message.ParseFromString(frame)
        for state in message.rerun_script.widget_states.widgets:
            if state.id.endswith("-rebuild") and state.trigger_value:
                return state
    pytest.fail("the maintainer's browser never sent a Rebuild press")


def test_sign_in_roles_forged_rebuild_and_sign_out(
    app: Running, fake_index: Settings, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    store = open_store(fake_index)
    before = store.current_id()

    # A maintainer signs in, sees the maintainer controls, and rebuilds from scratch.
    lead = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    lead.set_default_timeout(60_000)
    frames: list[bytes] = []
    lead.on("websocket", lambda ws: ws.on("framesent", lambda p: frames.append(p)))
    sign_in(lead, app.url, "lead")
    sidebar = lead.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"{MAINTAINER} (maintainer)")
    expect(lead.get_by_test_id("stSidebarNav").get_by_text("Feedback")).to_be_visible()
    sidebar.get_by_text("Re-embed every page").click()
    sidebar.get_by_role("button", name="Rebuild index").click()
    expect(sidebar.get_by_text(re.compile("New index published"))).to_be_visible()
    rebuilt = store.current_id()
    assert rebuilt != before
    press = rebuild_press([f for f in frames if isinstance(f, bytes)])
    sign_out(lead)

    # A viewer signs in and asks; no maintainer control is drawn for them.
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(60_000)
    sockets: list[Any] = []

    def relay(ws: Any) -> None:  # the viewer's own websocket, passed through untouched
        sockets.append(ws.connect_to_server())

    page.route_web_socket(re.compile(r"/_stcore/stream"), relay)
    sign_in(page, app.url, "viewer")
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"{VIEWER} (viewer)")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    citation = page.locator(f"{ASSISTANT} a[href^='https://docs.aws.amazon.com/']").first
    expect(citation).to_be_visible()
    # The per-user limit: two questions a minute in this test, the third gets a clear message.
    for n, question in enumerate(("Does Comprehend log API calls?", "Which keys encrypt models?")):
        # The last answer is drawn to its end (its sources line) before the next is asked.
        expect(page.get_by_text(re.compile(r"answered in \d+ ms"))).to_have_count(n + 1)
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
        box.fill(question)
        box.press("Enter")
        expect(page.locator(ASSISTANT)).to_have_count(n + 2)
    limit = re.compile("You have asked 2 questions in the last minute")
    expect(page.locator(ASSISTANT).nth(2).get_by_text(limit)).to_be_visible()
    expect(page.get_by_role("button", name="Rebuild index")).to_have_count(0)
    expect(page.get_by_text("Re-embed every page")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Feedback")).to_have_count(0)
    page.get_by_test_id("stSidebarNav").get_by_text("Evaluation").click()
    expect(page.get_by_role("heading", name="Evaluation")).to_be_visible()
    expect(page.get_by_role("button", name="Run evaluation")).to_have_count(0)
    page.get_by_test_id("stSidebarNav").get_by_text("Ask").click()
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()

    # The viewer's browser sends the maintainer's Rebuild press: refused on the server, logged.
    forged = BackMsg(rerun_script=ClientState(query_string="", page_script_hash=""))
    forged.rerun_script.widget_states.widgets.append(press)
    sockets[-1].send(forged.SerializeToString())
    expect(page.get_by_text("Only maintainers may do this")).to_be_visible()
    assert store.current_id() == rebuilt
    refused = [e for e in audit(fake_index) if e["event"] == "refused"]
    assert refused and refused[-1]["who"] == VIEWER and refused[-1]["action"] == "rebuild"

    sign_out(page)

    events = audit(fake_index)
    assert {(e["who"], e["event"]) for e in events} >= {
        (MAINTAINER, "sign-in"),
        (MAINTAINER, "rebuild"),
        (MAINTAINER, "sign-out"),
        (VIEWER, "sign-in"),
        (VIEWER, "refused"),
        (VIEWER, "rate-limited"),
        (VIEWER, "sign-out"),
    }
    assert QUESTION not in json.dumps(events)  # who, what, when: never what was asked
