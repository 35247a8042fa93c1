"""Writing the event log in the state change's own transaction, and reading it back in order.

Cursor strategy. An auto-increment id is taken at INSERT, not at COMMIT, so with concurrent
writers id 11 can become visible before id 10; a reader that has seen 11 and moves on never sees
10. We make ids commit in id order instead: on PostgreSQL every event-writing transaction takes
one transaction-scoped advisory lock just before it inserts its events, as its last statements,
and holds it through COMMIT (PostgreSQL releases it only after the commit is visible). So the
next writer can only draw its ids after the previous one has committed or rolled back, and
"id > cursor" is a complete, gap-free read. SQLite serialises writers by itself. The cost is that
the short tail of event-writing transactions (insert + commit) runs one at a time, which a
city's dispatch volume (tens per second at peak) does not notice; readers take no lock at all.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.events import Event
from subscriptions.metrics import EVENTS_PUBLISHED

log = logging.getLogger("volunteer_city.events")

# Any constant shared by all processes; it names the lock that orders event commits.
EVENT_COMMIT_LOCK = 0x7663_6576  # "vcev"
_CURSOR_PREFIX = "event:"

Notifier = Callable[[int], Awaitable[None]]
_notifier: Notifier | None = None


def set_notifier(notifier: Notifier | None) -> None:
    """The hub registers itself here; services stay unaware of the bus."""
    global _notifier
    _notifier = notifier


def pack_topics(topics: Iterable[str]) -> str:
    return "|" + "|".join(sorted(set(topics))) + "|"


def unpack_topics(packed: str) -> list[str]:
    return [t for t in packed.split("|") if t]


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not text.startswith(_CURSOR_PREFIX):
        return None
    try:
        value = int(text.removeprefix(_CURSOR_PREFIX))
    except ValueError:
        return None
    return value if value >= 0 else None


@dataclass
class EventTransaction:
    connection: BaseDBAsyncClient
    pending: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # After commit: the ids of the events written, in the order they were recorded, so that a
    # caller can hand out the cursor of its own event.
    written: list[int] = field(default_factory=list)

    def record(self, type: str, topics: Iterable[str], payload: dict[str, Any]) -> None:
        """Queues an event; it is written at the end of the transaction, or not at all."""
        self.pending.append((type, pack_topics(topics), payload))


async def _serialise_commits(connection: BaseDBAsyncClient) -> None:
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(f"SELECT pg_advisory_xact_lock({EVENT_COMMIT_LOCK})")


@asynccontextmanager
async def atomic() -> AsyncIterator[EventTransaction]:
    """One transaction for a state change and its events; the bus hears of them after commit."""
    last_id = 0
    async with in_transaction() as connection:
        tx = EventTransaction(connection)
        yield tx
        if tx.pending:
            await _serialise_commits(connection)
            for type_, topics, payload in tx.pending:
                event = await Event.create(type=type_, topics=topics, payload=payload)
                tx.written.append(event.id)
                last_id = event.id
    if last_id:
        for type_, _, _ in tx.pending:
            EVENTS_PUBLISHED.labels(type_).inc()
        await notify(last_id)


async def notify(event_id: int) -> None:
    """Best effort: a lost wake-up delays delivery until the hub's next poll, never loses it."""
    if _notifier is None:
        return
    try:
        await _notifier(event_id)
    except Exception as exc:  # the state change is committed whatever the bus does
        log.warning("could not announce event %s: %s", event_id, exc)


async def latest_id() -> int:
    row = await Event.all().order_by("-id").only("id").first()
    return row.id if row is not None else 0


async def read_after(
    last_id: int, topics: str | Iterable[str] | None = None, limit: int = 500
) -> list[Event]:
    """Events after `last_id`, in id order: all of them, or those of any of `topics`."""
    query = Event.filter(id__gt=last_id)
    if topics is not None:
        wanted = [topics] if isinstance(topics, str) else list(topics)
        any_of = Q(topics__contains=f"|{wanted[0]}|")
        for topic in wanted[1:]:
            any_of |= Q(topics__contains=f"|{topic}|")
        query = query.filter(any_of)
    return await query.order_by("id").limit(limit)
