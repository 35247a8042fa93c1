"""When a message may go out: quiet hours in the city's zone, and each recipient's hourly
allowance per channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CITY_ZONE = ZoneInfo("Asia/Shanghai")
RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` o'clock in Asia/Shanghai; across midnight when start > end."""

    start: int
    end: int

    def is_quiet(self, at: datetime) -> bool:
        hour = at.astimezone(CITY_ZONE).hour
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def release(self, at: datetime) -> datetime:
        """`at`, or the end of the quiet hours it falls in."""
        if not self.is_quiet(at):
            return at
        local = at.astimezone(CITY_ZONE)
        end = local.replace(hour=self.end, minute=0, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(at.tzinfo)


def next_slot(sent_times: list[datetime], per_hour: int, now: datetime) -> datetime:
    """`now` when fewer than `per_hour` messages went out in the last hour, else the moment the
    oldest of those leaves the window."""
    recent = sorted(t for t in sent_times if t > now - RATE_WINDOW)
    if len(recent) < per_hour:
        return now
    return recent[-per_hour] + RATE_WINDOW
