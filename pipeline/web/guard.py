"""Wrong passwords slow down: after a few failures for one name or from one address, the
next try waits, twice as long each time (up to a quarter of an hour), so that guessing
takes years while a person who mistyped gets in after a short wait. Kept in memory: a
restart forgives."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["SignInGuard"]

FREE_TRIES = 5
FIRST_WAIT = 2.0  # seconds, after the free tries
LONGEST_WAIT = 900.0


class SignInGuard:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (count, next allowed)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(login: str, client: str) -> list[str]:
        return [f"user:{login.casefold()}", f"addr:{client}"]

    def wait(self, login: str, client: str) -> int:
        """Seconds to wait before this try is even checked (0: go ahead)."""
        now = self.now()
        with self._lock:
            left = [allowed - now for key in self._keys(login, client)
                    if (found := self._failures.get(key)) and (allowed := found[1]) > now]
        return int(max(left) + 0.999) if left else 0

    def failed(self, login: str, client: str) -> None:
        now = self.now()
        with self._lock:
            for key in self._keys(login, client):
                count = self._failures.get(key, (0, 0.0))[0] + 1
                delay = 0.0 if count < FREE_TRIES else min(
                    LONGEST_WAIT, FIRST_WAIT * 2 ** (count - FREE_TRIES))
                self._failures[key] = (count, now + delay)

    def passed(self, login: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(login, client)[0], None)
