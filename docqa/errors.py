"""The one base class of errors a user can cause and fix; anything else is a bug.

Every stage raises a subclass of `DocqaError` whose message says what to do. The `docqa`
command and the app show that message and nothing more; any other exception keeps its
traceback, so a bug never looks like a user mistake.
"""

from __future__ import annotations


class DocqaError(Exception):
    """A problem the user can fix: a bad path, file, setting, or a missing index."""


class PathError(DocqaError):
    """A path the user named cannot be read or written; the message says which and why."""
