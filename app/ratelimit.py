"""A per-user limit on questions per minute (a sliding window, shared by threads)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from docqa.errors import DocqaError

WINDOW = 60.0  # seconds: the limit is "per minute"


class RateLimited(DocqaError):
    """Raised by `RateLimiter.take` when a user is over the limit."""

    def __init__(self, limit: int, retry_after: float) -> None:
        self.limit, self.retry_after = limit, retry_after
        super().__init__(message(limit, retry_after))


def message(limit: int, retry_after: float) -> str:
    """What the user reads when the limit is hit."""
    return (
        f"You have asked {limit} questions in the last minute, the most allowed. "
        f"Try again in {max(1, round(retry_after))} s."
    )


class RateLimiter:
    """At most `per_minute` takes per key in any 60 s; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._taken: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Count one question for `key`, or raise RateLimited (nothing counted)."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        with self._lock:
            taken = self._taken[key]
            while taken and taken[0] <= now - WINDOW:
                taken.popleft()
            if len(taken) >= self.per_minute:
                raise RateLimited(self.per_minute, taken[0] + WINDOW - now)
            taken.append(now)
