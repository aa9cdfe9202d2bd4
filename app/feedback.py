"""Thumbs up/down on answers, appended as JSON lines to `data_dir/feedback.jsonl`."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.audit import AuditLog
from app.auth import Action, authorize

if TYPE_CHECKING:
    from app.auth import Actor
    from docqa.settings import Settings

Rating = Literal["up", "down"]
FILE_NAME = "feedback.jsonl"
MAX_REASON = 2000
_write_lock = threading.Lock()


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer; a later record for the same answer_id replaces it."""

    answer_id: str
    question: str
    answer: str
    cited_pages: tuple[str, ...]
    rating: Rating
    reason: str = ""
    timestamp: str = ""
    # The earlier questions of the conversation, oldest first (a follow-up needs them).
    history: tuple[str, ...] = ()
    # Who rated it (their e-mail when signed in; "" on a machine without sign-in).
    user: str = ""


def feedback_path(settings: Settings) -> Path:
    """Where feedback is stored."""
    return settings.data_dir / FILE_NAME


def rating_from_thumbs(value: int | None) -> Rating | None:
    """`st.feedback("thumbs")` gives 0 for thumbs down and 1 for thumbs up."""
    if value == 1:
        return "up"
    if value == 0:
        return "down"
    return None


def make_feedback(
    answer_id: str,
    question: str,
    answer: str,
    cited_pages: Sequence[str],
    rating: Rating,
    reason: str = "",
    history: Sequence[str] = (),
    user: str = "",
) -> Feedback:
    """A record stamped with the current UTC time; the reason is trimmed and capped."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    reason = reason.strip()[:MAX_REASON]
    return Feedback(
        answer_id, question, answer, tuple(cited_pages), rating, reason, stamp, tuple(history),
        user,
    )  # fmt: skip


def save_feedback(path: Path, record: Feedback) -> None:
    """Append one record (one write per line, so concurrent sessions do not interleave)."""
    line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock, path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def load_feedback(path: Path) -> list[Feedback]:
    """The latest record for each answer, oldest first; unreadable lines are skipped."""
    if not path.is_file():
        return []
    latest: dict[str, Feedback] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            data["cited_pages"] = tuple(data.get("cited_pages", ()))
            data["history"] = tuple(data.get("history", ()))
            record = Feedback(**data)
        except (ValueError, TypeError):
            continue
        latest.pop(record.answer_id, None)
        latest[record.answer_id] = record
    return list(latest.values())


def readable(actor: Actor, settings: Settings) -> list[Feedback]:
    """The feedback `actor` may read: everyone's for a maintainer (the read is logged), their
    own for anyone else."""
    records = load_feedback(feedback_path(settings))
    if actor.is_maintainer:
        AuditLog.of(settings).record(actor, str(Action.READ_FEEDBACK), records=len(records))
        return records
    return [r for r in records if r.user == actor.id]


def export(actor: Actor, settings: Settings) -> bytes:
    """Everyone's feedback as JSON lines, for a maintainer only (Forbidden otherwise)."""
    records = load_feedback(feedback_path(settings))
    authorize(actor, Action.EXPORT_FEEDBACK, AuditLog.of(settings))
    lines = [json.dumps(asdict(r), ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
