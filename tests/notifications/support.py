"""Helpers for the notification tests: a movable clock, workers wired to the local SMTP server
and SMS provider, and running a worker until it has nothing left to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from models.notifications import NotificationChannel
from services.notifications.channels import HttpSmsSender, Sender, SmtpSender
from services.notifications.worker import NotificationWorker
from services.webhooks.attempts import Backoff
from tests.notifications.receivers import SMS_KEY, SmsProvider

# 12:00 in Huizhou: outside the default quiet hours (22:00-08:00).
NOON_IN_HUIZHOU = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = NOON_IN_HUIZHOU

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Channels:
    smtp_port: int
    sms: SmsProvider
    made: list[NotificationWorker] = field(default_factory=list)

    def senders(self) -> dict[NotificationChannel, Sender]:
        return {
            NotificationChannel.EMAIL: SmtpSender(
                "127.0.0.1", self.smtp_port, "志愿惠州 <noreply@example.org>", starttls=False
            ),
            NotificationChannel.SMS: HttpSmsSender(self.sms.url, SMS_KEY, "VOLCITY", timeout=5),
        }

    def worker(self, clock: Clock, **options: Any) -> NotificationWorker:
        defaults: dict[str, Any] = {
            "senders": self.senders(),
            # Back-off without jitter: 10 s, 20 s, 40 s...
            "backoff": Backoff(10.0, 80.0, random=lambda: 1.0),
            "clock": clock,
        }
        worker = NotificationWorker(**(defaults | options))
        self.made.append(worker)
        return worker


async def settle(worker: NotificationWorker, rounds: int = 30) -> None:
    """Runs rounds until one finds nothing to do."""
    for _ in range(rounds):
        if not await worker.run_once():
            return
    raise AssertionError("the worker never settled")
