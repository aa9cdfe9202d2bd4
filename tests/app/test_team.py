"""Roles, tokens, the audit log, the rate limit and `docqa serve --host` (no server started)."""

from __future__ import annotations

import json
import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from app import auth, feedback
from app.audit import AuditLog
from app.auth import Action, Actor, Forbidden, Role, Tokens, authorize
from app.indexing import rebuild
from app.ratelimit import RateLimited, RateLimiter
from app.serve import serve
from docqa.cli import cli
from docqa.sections import ServingSettings
from docqa.settings import Settings, settings_env
from ingest.store import open_store
from tests.support.embedders import FakeEmbedder

VIEWER = Actor("vera@example.com", Role.VIEWER, "browser")
LEAD = Actor("lee@example.com", Role.MAINTAINER, "browser")


def test_maintainers_by_address_or_by_group() -> None:
    serving = ServingSettings(maintainers=["Lee@Example.com"], maintainer_group="docqa-admins")
    assert auth.role_of({"email": "lee@example.com"}, serving) is Role.MAINTAINER
    assert auth.role_of({"email": "x@example.com", "groups": ["docqa-admins"]}, serving) is (
        Role.MAINTAINER
    )
    assert auth.role_of({"email": "x@example.com", "groups": "docqa-admins"}, serving) is (
        Role.MAINTAINER
    )
    assert auth.role_of({"email": "x@example.com", "groups": ["others"]}, serving) is Role.VIEWER
    assert auth.role_of({"sub": "no-email"}, ServingSettings()) is Role.VIEWER
    custom = ServingSettings(maintainer_group="ops", groups_claim="roles")
    assert auth.role_of({"roles": ["ops"]}, custom) is Role.MAINTAINER


def test_tokens_are_kept_and_compared_as_hashes() -> None:
    tokens = Tokens([SecretStr(auth.hash_token("alpha")), SecretStr("beta"), SecretStr(" ")])
    alpha, beta = tokens.actor("alpha", "api"), tokens.actor("beta", "api")
    assert alpha is not None and beta is not None and alpha.id != beta.id
    assert alpha.role is Role.VIEWER and alpha.id.startswith("token:")
    assert "alpha" not in alpha.id and tokens.actor("gamma", "api") is None
    assert not Tokens([]) and tokens
    made = auth.new_token()
    assert len(made) > 30 and auth.hash_token(made).startswith("sha256:")


def test_secrets_never_show_in_a_dump_of_the_settings() -> None:
    settings = Settings(
        serving=ServingSettings(
            oidc_client_secret=SecretStr("s3cret-client"),
            cookie_secret=SecretStr("s3cret-cookie"),
            api_tokens=[SecretStr("s3cret-token")],
        )
    )
    dumped = json.dumps(settings.model_dump(mode="json", exclude={"llm_api_key"}))
    assert "s3cret" not in dumped and "s3cret" not in repr(settings)
    env = settings_env(settings)  # a child process gets the values themselves
    assert env["DOCQA_SERVING__OIDC_CLIENT_SECRET"] == "s3cret-client"
    assert json.loads(env["DOCQA_SERVING__API_TOKENS"]) == ["s3cret-token"]


def test_only_maintainers_pass_and_every_refusal_is_logged(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    authorize(LEAD, Action.REBUILD, log)
    with pytest.raises(Forbidden, match="Only maintainers"):
        authorize(VIEWER, Action.EVALUATE, log)
    events = log.read()
    assert [(e["who"], e["event"]) for e in events] == [
        (LEAD.id, "rebuild"),
        (VIEWER.id, "refused"),
    ]
    assert events[1]["action"] == "evaluation" and events[1]["at"].endswith("+00:00")


def test_a_viewer_cannot_rebuild_even_by_calling_the_code(fake_index: Settings) -> None:
    before = open_store(fake_index).current_id()
    with pytest.raises(Forbidden):
        rebuild(fake_index, FakeEmbedder, None, lambda *a: None, True, actor=VIEWER)
    assert open_store(fake_index).current_id() == before
    (event,) = AuditLog.of(fake_index).read()
    assert (event["who"], event["event"], event["action"]) == (VIEWER.id, "refused", "rebuild")


def test_feedback_of_others_is_for_maintainers(settings: Settings) -> None:
    path = feedback.feedback_path(settings)
    for n, user in enumerate((VIEWER.id, "other@example.com")):
        record = feedback.make_feedback(f"a{n}", "Q?", "A", [], "down", user=user)
        feedback.save_feedback(path, record)
    assert [r.user for r in feedback.readable(VIEWER, settings)] == [VIEWER.id]
    assert len(feedback.readable(LEAD, settings)) == 2
    with pytest.raises(Forbidden):
        feedback.export(VIEWER, settings)
    lines = feedback.export(LEAD, settings).decode().splitlines()
    assert [json.loads(line)["user"] for line in lines] == [VIEWER.id, "other@example.com"]
    events = [(e["who"], e["event"]) for e in AuditLog.of(settings).read()]
    assert events == [
        (LEAD.id, "read-feedback"),
        (VIEWER.id, "refused"),
        (LEAD.id, "feedback-export"),
    ]


def test_question_text_is_logged_only_when_asked_for(tmp_path: Path) -> None:
    quiet, told = AuditLog(tmp_path / "a.jsonl"), AuditLog(tmp_path / "b.jsonl", questions=True)
    quiet.question(VIEWER, "What is secret?")
    told.question(VIEWER, "What is secret?")
    assert quiet.read() == [] and told.read()[0]["question"] == "What is secret?"


def test_the_rate_limit_slides_over_a_minute_per_user() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    limiter.take("b")
    with pytest.raises(RateLimited) as over:
        limiter.take("a")
    assert "2 questions in the last minute" in str(over.value) and over.value.retry_after == 60
    now[0] = 59.5
    with pytest.raises(RateLimited):
        limiter.take("a")
    now[0] = 60.0
    limiter.take("a")
    unlimited = RateLimiter(0)
    for _ in range(100):
        unlimited.take("a")


def test_the_auth_section_comes_from_settings_or_from_streamlits_file(tmp_path: Path) -> None:
    partial = ServingSettings(oidc_client_id="docqa")
    assert auth.auth_section(partial, 8501) is None
    full = ServingSettings(
        oidc_metadata_url="https://id.example.com/.well-known/openid-configuration",
        oidc_client_id="docqa",
        oidc_client_secret=SecretStr('with "quotes" and \\ slash'),
        cookie_secret=SecretStr("c" * 40),
        public_url="https://docqa.example.com/",
    )
    section = auth.auth_section(full, 8501)
    assert section is not None
    assert section["redirect_uri"] == "https://docqa.example.com/oauth2callback"
    path = auth.write_secrets(section, tmp_path / "private")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert tomllib.loads(path.read_text())["auth"] == section
    assert auth.configured_in_files([path])
    assert not auth.configured_in_files([tmp_path / "missing.toml"])
    providers = tmp_path / "providers.toml"
    providers.write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
        '[auth.okta]\nclient_id = "id"\nclient_secret = "s"\nserver_metadata_url = "u"\n'
    )
    assert auth.configured_in_files([providers])


def streamlit_runs(monkeypatch: pytest.MonkeyPatch, home: Path) -> list[dict[str, Any]]:
    """Calls that would have started Streamlit (exec or child), recorded instead; `home` is
    both the home folder and the working folder."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)

    def fake_execve(path: str, args: list[str], env: dict[str, str]) -> None:
        calls.append({"args": args, "env": env, "files": {}})

    def fake_child(args: list[str], env: dict[str, str]) -> None:
        files = [Path(a) for a in args[args.index("run") :] if a.endswith("secrets.toml")]
        mine = [p for p in files if p.exists()]
        calls.append({"args": args, "env": env, "files": {p: p.read_text() for p in mine}})

    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.setattr("app.serve._run_child", fake_child)
    return calls


def test_serve_beyond_loopback_without_sign_in_says_how_to_configure_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = streamlit_runs(monkeypatch, tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], env=settings_env(settings))
    assert result.exit_code == 1 and result.output.startswith("Error:")
    assert "DOCQA_SERVING__OIDC_METADATA_URL" in result.output
    assert ".streamlit/secrets.toml" in result.output
    assert calls == []
    assert CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1"]).exit_code == 0
    assert calls[0]["env"].get("DOCQA_SERVING__SIGN_IN") == "False"
    on = CliRunner().invoke(cli, ["serve"], env={"DOCQA_SERVING__SIGN_IN": "true"})
    assert on.exit_code == 1 and "not configured" in on.output


def test_serve_with_sign_in_writes_a_private_secrets_file_and_removes_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = streamlit_runs(monkeypatch, tmp_path)
    serving = ServingSettings(
        oidc_metadata_url="http://127.0.0.1:9/.well-known/openid-configuration",
        oidc_client_id="docqa",
        oidc_client_secret=SecretStr("client-s3cret"),
        cookie_secret=SecretStr("cookie-s3cret"),
    )
    serve(settings.model_copy(update={"serving": serving}), 8600, "0.0.0.0")
    ((call,),) = [calls]
    args = call["args"]
    assert args[args.index("--server.address") + 1] == "0.0.0.0"
    assert call["env"]["DOCQA_SERVING__SIGN_IN"] == "True"
    ((path, text),) = call["files"].items()
    assert "client-s3cret" in text and "http://localhost:8600/oauth2callback" in text
    assert not str(path).startswith(str(Path(__file__).resolve().parents[2]))  # never the repo
    assert not path.exists()  # removed when Streamlit stopped
    assert args[0] == sys.executable


def test_docqa_token_prints_a_token_and_its_hash() -> None:
    result = CliRunner().invoke(cli, ["token", "--json"])
    data = json.loads(result.stdout)
    assert auth.hash_token(data["token"]) == data["hash"]
    assert Tokens([SecretStr(data["hash"])]).actor(data["token"], "api") is not None
