"""Notifications: the inbox of the signed-in user, their preferences, and the topic their live
notifications are logged under. What notifies whom is `recipients.py`; the worker that turns
events into notifications and sends them is `worker.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.queryset import QuerySet

from models.notifications import Notification, NotificationChannel, NotificationPreference
from models.volunteers import Volunteer
from services.common.errors import DomainError
from services.common.principal import Principal
from services.notifications.errors import NotificationErrorCode

# Logged once per inbox entry, under the recipient's own topic: `myNotifications` streams it.
NOTIFICATION_CREATED = "NOTIFICATION_CREATED"
MAX_MARK_IDS = 100
# RFC 5321's limit for a forward path, and the column's width.
MAX_ADDRESS_LENGTH = 254
_INBOX = NotificationChannel.INBOX
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A mainland mobile number, optionally with +86.
_MOBILE = re.compile(r"^(\+86)?1[3-9]\d{9}$")


def user_topic(user_id: int) -> str:
    return f"notifications:user:{user_id}"


def inbox(principal: Principal, unread_only: bool = False) -> QuerySet[Notification]:
    """The signed-in user's notifications, for paging."""
    query = Notification.filter(user_id=principal.require_user())
    return query.filter(read_at__isnull=True) if unread_only else query


async def mark_read(
    principal: Principal, ids: list[int] | None, everything: bool, now: datetime | None = None
) -> int:
    """Marks the given notifications (or, `everything`, all) of the signed-in user read;
    returns how many were unread. Ids of other users' notifications are not found."""
    user_id = principal.require_user()
    if not everything and not ids:
        raise DomainError(
            NotificationErrorCode.NOTHING_TO_MARK,
            "Give notifications, or all: true.",
            "notifications",
        )
    if ids and len(ids) > MAX_MARK_IDS:
        raise DomainError(
            NotificationErrorCode.TOO_MANY_IDS, f"At most {MAX_MARK_IDS} at once.", "notifications"
        )
    query = Notification.filter(user_id=user_id, read_at__isnull=True)
    if not everything:
        wanted = set(ids or [])
        mine: list[Any] = await Notification.filter(user_id=user_id, id__in=wanted).values_list(
            "id", flat=True
        )
        if len(mine) != len(wanted):
            raise DomainError(
                NotificationErrorCode.NOTIFICATION_NOT_FOUND,
                "No such notification.",
                "notifications",
            )
        query = query.filter(id__in=wanted)
    return await query.update(read_at=now or datetime.now(UTC))


@dataclass(frozen=True)
class ChannelPreference:
    channel: NotificationChannel
    enabled: bool
    # Where it goes: the address given, or the volunteer's registered phone for SMS; empty
    # means the channel has nowhere to go and sends nothing.
    address: str


async def preferences(principal: Principal) -> list[ChannelPreference]:
    user_id = principal.require_user()
    return (await preferences_of([user_id]))[user_id]


async def preferences_of(user_ids: list[int]) -> dict[int, list[ChannelPreference]]:
    """Every channel of each user, with its defaults: e-mail and SMS are on where there is an
    address to send to."""
    stored = await NotificationPreference.filter(user_id__in=user_ids)
    phones: list[Any] = await Volunteer.filter(user_id__in=user_ids).values_list("user_id", "phone")
    phone_of = {int(u): str(p) for u, p in phones}
    chosen = {(p.user_id, p.channel): p for p in stored}
    result: dict[int, list[ChannelPreference]] = {}
    for user_id in user_ids:
        rows = []
        for channel in NotificationChannel:
            row = chosen.get((user_id, channel))
            address = row.address if row is not None else ""
            if channel is NotificationChannel.SMS and not address:
                address = phone_of.get(user_id, "")
            enabled = (row.enabled if row is not None else True) or channel is _INBOX
            rows.append(ChannelPreference(channel, enabled, address))
        result[user_id] = rows
    return result


async def set_preference(
    principal: Principal, channel: NotificationChannel, enabled: bool, address: str | None
) -> ChannelPreference:
    """Turns a channel on or off for the signed-in user, and (for e-mail and SMS) sets where
    it goes; an address of "" returns SMS to the registered phone."""
    user_id = principal.require_user()
    if channel is _INBOX:
        raise DomainError(
            NotificationErrorCode.INBOX_ALWAYS_ON,
            "The inbox keeps every notification and cannot be turned off.",
            "channel",
        )
    cleaned = None if address is None else address.strip().replace(" ", "")
    if (
        cleaned
        and channel is NotificationChannel.EMAIL
        and (len(cleaned) > MAX_ADDRESS_LENGTH or not _EMAIL.match(cleaned))
    ):
        raise DomainError(NotificationErrorCode.INVALID_EMAIL, "Not an e-mail address.", "address")
    if cleaned and channel is NotificationChannel.SMS and not _MOBILE.match(cleaned):
        raise DomainError(
            NotificationErrorCode.INVALID_PHONE, "Not a mainland mobile number.", "address"
        )
    values: dict[str, Any] = {"enabled": enabled}
    if cleaned is not None:
        values["address"] = cleaned
    row, made = await NotificationPreference.get_or_create(
        defaults=values, user_id=user_id, channel=channel
    )
    if not made:
        await NotificationPreference.filter(id=row.id).update(**values)
    (current,) = [p for p in await preferences(principal) if p.channel is channel]
    return current
