"""The digest scheduler: runs each digest at its cron times, and catches up a missed one once.

Each digest's period is its latest scheduled time (cronsim reads the cron expression in the
schedule's timezone, daylight-saving changes included). `tick()` runs every digest whose latest
scheduled time at or before now the ledger does not record as done.

**Missed runs.** A scheduler that was down (or started late) runs, for each digest, only the
most recent scheduled time it missed, once, for that latest period; the periods before it are
skipped. A daily digest missed for a week posts one digest, for the last day, not seven. A
period already delivered (by this scheduler before a restart, or by `cortex digest run`) is
never run again: the ledger is shared.

`serve(stop)` ticks, then sleeps until the next scheduled time (at most a minute, so a changed
clock is noticed), until `stop` is set. `now` is injected: tests drive it with a frozen clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from cortex.signals.digests import Digest

__all__ = ["Scheduler", "period_key", "period_of"]

_log = logging.getLogger("cortex.signals.schedule")
#: The longest the scheduler sleeps between ticks.
MAX_SLEEP: Final = 60.0

RunDigest = Callable[[Digest, datetime], object]
IsDone = Callable[[Digest, str], bool]


def period_key(fire: datetime) -> str:
    """The ledger's key of a scheduled time: ISO to the minute, with its UTC offset."""
    return fire.isoformat(timespec="minutes")


def period_of(digest: Digest, day: date, now: datetime | None = None) -> datetime | None:
    """The digest's latest scheduled time on or before the end of `day` (in the schedule's
    timezone), and not after `now` when given: the period `cortex digest run` stands for."""
    end = datetime.combine(day, datetime.max.time().replace(microsecond=0), digest.schedule.zone)
    moment = end.replace(second=0)
    if now is not None and now < moment:
        moment = now.replace(second=0, microsecond=0)  # today's run may not be due yet
    return digest.schedule.latest(moment)


class Scheduler:
    """Runs `run(digest, scheduled_time)` for each due digest; `done` reads the ledger."""

    def __init__(
        self,
        digests: Sequence[Digest],
        *,
        run: RunDigest,
        done: IsDone,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.digests = tuple(digests)
        self._run = run
        self._done = done
        self._now = now

    def due(self) -> list[tuple[Digest, datetime]]:
        """Each digest whose latest scheduled time at or before now is not done yet."""
        now = self._now()
        found = []
        for digest in self.digests:
            fire = digest.schedule.latest(now)
            if fire is not None and not self._done(digest, period_key(fire)):
                found.append((digest, fire))
        return found

    def tick(self) -> int:
        """Run what is due; how many ran. A digest that fails is logged and tried next tick."""
        ran = 0
        for digest, fire in self.due():
            try:
                self._run(digest, fire)
                ran += 1
            except Exception:  # noqa: BLE001 - one digest failing must not stop the others
                _log.exception("digest %s for %s failed; it is tried again", digest.name, fire)
        return ran

    def next_time(self) -> datetime | None:
        """The earliest scheduled time after now, over every digest."""
        now = self._now()
        times = [digest.schedule.following(now) for digest in self.digests]
        return min(times, default=None)

    def serve(self, stop: threading.Event) -> None:
        """Tick until `stop` is set, sleeping until the next scheduled time in between."""
        while not stop.is_set():
            self.tick()
            upcoming = self.next_time()
            wait = MAX_SLEEP
            if upcoming is not None:
                wait = max(0.5, min(MAX_SLEEP, (upcoming - self._now()).total_seconds()))
            stop.wait(wait + timedelta(milliseconds=50).total_seconds())
