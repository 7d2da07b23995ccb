"""The time gendan works with, as a seam: the system clock, or a fixed one for tests and
for replaying a day (`GENDAN_TODAY=2027-01-20`)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock", "clock_from_env"]


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    """Local wall-clock time, to the second."""

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0)

    def today(self) -> dt.date:
        return dt.date.today()


@dataclass
class FixedClock:
    """A clock that says what it is told (and moves only when told)."""

    moment: dt.datetime

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return self.moment.date()

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


def clock_from_env() -> Clock:
    """`GENDAN_TODAY=YYYY-MM-DD[THH:MM]` fixes the date (demos, cron replays); else the system."""
    fixed = os.environ.get("GENDAN_TODAY", "").strip()
    if not fixed:
        return SystemClock()
    moment = dt.datetime.fromisoformat(fixed if "T" in fixed else f"{fixed}T09:00")
    return FixedClock(moment)
