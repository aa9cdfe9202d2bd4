"""The audit log: who did what, and when, as JSON lines under the data folder.

Sign-ins, rebuilds, evaluation runs, feedback reads and exports, refused maintainer actions
and rate-limited questions. What was asked is never written unless
`serving.audit_questions` asks for it.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.auth import Actor
    from docqa.settings import Settings

FILE_NAME = "audit.jsonl"
_write_lock = threading.Lock()


class AuditLog:
    """Appends one JSON object per event; safe across threads (one write per line)."""

    def __init__(self, path: Path, questions: bool = False) -> None:
        self.path = path
        self.questions = questions

    @classmethod
    def of(cls, settings: Settings) -> AuditLog:
        """The audit log of these settings' data folder."""
        return cls(settings.data_dir / FILE_NAME, settings.serving.audit_questions)

    def record(self, actor: Actor, event: str, **details: Any) -> None:
        """Append one event by `actor`."""
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "who": actor.id,
            "role": str(actor.role),
            "via": actor.via,
            "event": event,
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)

    def question(self, actor: Actor, question: str) -> None:
        """Log a question's text, only when the settings ask for it."""
        if self.questions:
            self.record(actor, "question", question=question)

    def read(self) -> list[dict[str, Any]]:
        """Every event, oldest first (unreadable lines skipped)."""
        if not self.path.is_file():
            return []
        events = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
        return events
