"""Who may do what: the two roles, the people and tokens behind them, and the sign-in
configuration Streamlit's `st.login` reads.

Everything a maintainer may do goes through `authorize`, called by the code that does it
(`app.indexing.rebuild`, `app.evalrun.run_eval`, `app.feedback.readable`), so hiding a button
is never the only guard.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docqa.errors import DocqaError

if TYPE_CHECKING:
    from pydantic import SecretStr

    from app.audit import AuditLog
    from docqa.sections import ServingSettings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
HASH_PREFIX = "sha256:"
STREAMLIT_SECRETS = Path(".streamlit") / "secrets.toml"
# What `[auth]` in Streamlit's secrets needs for one OpenID Connect provider.
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
HOW_TO_SIGN_IN = (
    "set DOCQA_SERVING__OIDC_METADATA_URL, DOCQA_SERVING__OIDC_CLIENT_ID, "
    "DOCQA_SERVING__OIDC_CLIENT_SECRET and DOCQA_SERVING__COOKIE_SECRET (and "
    "DOCQA_SERVING__PUBLIC_URL, where browsers reach the app), or an [auth] section in "
    ".streamlit/secrets.toml; see 'Serving a team' in the README"
)


class Role(StrEnum):
    """Viewers ask and rate answers; maintainers also rebuild, evaluate and read feedback."""

    VIEWER = "viewer"
    MAINTAINER = "maintainer"


class Action(StrEnum):
    """What only a maintainer may do."""

    REBUILD = "rebuild"
    EVALUATE = "evaluation"
    READ_FEEDBACK = "read-feedback"
    EXPORT_FEEDBACK = "feedback-export"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in person, an API token, or the one local user."""

    id: str
    role: Role
    via: str  # browser, api, mcp, local

    @property
    def is_maintainer(self) -> bool:
        """Whether maintainer actions are allowed."""
        return self.role is Role.MAINTAINER


# Loopback without sign-in is one person on their own machine, as docqa always was.
LOCAL = Actor("local", Role.MAINTAINER, "local")


class Forbidden(DocqaError):
    """A maintainer action asked for by someone who is not a maintainer."""


def authorize(actor: Actor, action: Action, audit: AuditLog) -> None:
    """Let a maintainer go on (the action is logged); refuse anyone else, and log that."""
    if not actor.is_maintainer:
        audit.record(actor, "refused", action=str(action))
        raise Forbidden(f"Only maintainers may do this ({action}); you are signed in as a viewer.")
    audit.record(actor, str(action))


def role_of(claims: Mapping[str, Any], serving: ServingSettings) -> Role:
    """The role of a signed-in person, from their ID token's claims."""
    email = str(claims.get("email") or "").strip().lower()
    if email and email in {m.strip().lower() for m in serving.maintainers}:
        return Role.MAINTAINER
    groups = claims.get(serving.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if serving.maintainer_group and serving.maintainer_group in groups:
        return Role.MAINTAINER
    return Role.VIEWER


def person(claims: Mapping[str, Any], serving: ServingSettings) -> Actor:
    """The actor behind a browser session's identity claims."""
    who = str(claims.get("email") or claims.get("sub") or "unknown")
    return Actor(who, role_of(claims, serving), "browser")


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server on this machine."""
    return host in LOOPBACK or host.startswith("127.")


def hash_token(token: str) -> str:
    """How a token is kept in settings: `sha256:<hex>`."""
    return HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random API token."""
    return "dq_" + secrets.token_urlsafe(32)


class Tokens:
    """The API's bearer tokens, kept as hashes only; compared in constant time."""

    def __init__(self, configured: Iterable[SecretStr]) -> None:
        self._hashes = []
        for item in configured:
            value = item.get_secret_value().strip()
            if value:
                self._hashes.append(value if value.startswith(HASH_PREFIX) else hash_token(value))

    def __bool__(self) -> bool:
        return bool(self._hashes)

    def actor(self, token: str, via: str) -> Actor | None:
        """The viewer a valid token stands for (named by its hash's start), or None."""
        digest = hash_token(token)
        for known in self._hashes:
            if hmac.compare_digest(digest, known):
                return Actor(f"token:{known[len(HASH_PREFIX) :][:8]}", Role.VIEWER, via)
        return None


def streamlit_secrets_files(cwd: Path | None = None) -> list[Path]:
    """Where Streamlit looks for its secrets file by default (later ones win)."""
    return [Path.home() / ".streamlit" / "secrets.toml", (cwd or Path.cwd()) / STREAMLIT_SECRETS]


def auth_section(serving: ServingSettings, port: int) -> dict[str, str] | None:
    """The `[auth]` section made from docqa's settings, or None when they are incomplete."""
    values = {
        "redirect_uri": f"{(serving.public_url or f'http://localhost:{port}').rstrip('/')}/oauth2callback",
        "cookie_secret": _secret(serving.cookie_secret),
        "client_id": serving.oidc_client_id or "",
        "client_secret": _secret(serving.oidc_client_secret),
        "server_metadata_url": serving.oidc_metadata_url or "",
    }
    return values if all(values.values()) else None


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def configured_in_files(files: Iterable[Path]) -> bool:
    """Whether Streamlit's own secrets files already hold a complete `[auth]` section."""
    merged: dict[str, Any] = {}
    for path in files:
        if path.is_file():
            try:
                merged.update(tomllib.loads(path.read_text(encoding="utf-8")).get("auth", {}))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise DocqaError(f"Streamlit's secrets file {path} cannot be read: {exc}") from exc
    if all(merged.get(key) for key in AUTH_KEYS):
        return True
    shared = all(merged.get(key) for key in ("redirect_uri", "cookie_secret"))
    providers = [v for v in merged.values() if isinstance(v, dict) and v.get("client_id")]
    return shared and bool(providers)


def write_secrets(section: Mapping[str, str], folder: Path) -> Path:
    """Write `[auth]` into a secrets file only this user can read (0600, in a 0700 folder)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "secrets.toml"
    lines = ["[auth]", *(f"{key} = {_toml_string(value)}" for key, value in section.items())]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)
