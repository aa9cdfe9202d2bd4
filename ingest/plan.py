"""What an ingest has to do: the pages it adds, changes, removes and keeps."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """Which pages an ingest adds, changes, removes and keeps."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    @property
    def noop(self) -> bool:
        """True when nothing needs to be written."""
        return not (self.added or self.changed or self.removed)


def plan(files: dict[str, str], previous: dict[str, str]) -> Plan:
    """Compare page hashes now with those of the active index."""
    return Plan(
        added=sorted(set(files) - set(previous)),
        changed=sorted(p for p in files if p in previous and previous[p] != files[p]),
        removed=sorted(set(previous) - set(files)),
        unchanged=sorted(p for p in files if previous.get(p) == files[p]),
    )


def corpus_checksum(files: dict[str, str]) -> str:
    """One hash over every page id and page hash."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
