"""What notifies whom, and when a message may go: quiet hours, the hourly allowance (a burst
becomes a digest), retries with back-off, preferences, and the reminder of an expiring code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.accounts import Role
from models.notifications import Notification, NotificationChannel, NotificationDelivery, SendStatus
from services import notifications
from services.common.errors import DomainError, NotAuthenticated
from services.common.principal import ANONYMOUS
from services.dispatch import DispatchEventType
from services.notifications.errors import NotificationErrorCode
from services.notifications.schedule import QuietHours, next_slot
from services.rewards import redemptions
from subscriptions.events import atomic
from tests.civic.support import civic_world, report
from tests.dispatch.support import huicheng_order, make_centers
from tests.notifications.receivers import Mailbox
from tests.notifications.support import Channels, Clock, settle
from tests.rewards import support as rewards
from tests.support import make_user

REQUESTER_PHONE = "13900139000"


async def requester_with_sms() -> tuple[int, int]:
    """A resident who wants SMS, and an order of theirs; returns (user id, order id)."""
    await make_centers()
    user, resident = await make_user("resident1", Role.RESIDENT)
    await notifications.set_preference(resident, NotificationChannel.SMS, True, REQUESTER_PHONE)
    order_id = await huicheng_order(resident)
    return user.id, order_id


async def step(order_id: int, count: int = 1) -> None:
    """`count` ORDER_STARTED events of the order, in one transaction."""
    async with atomic() as tx:
        for _ in range(count):
            tx.record(
                DispatchEventType.ORDER_STARTED.value, [f"order:{order_id}"], {"orderId": order_id}
            )


async def test_quiet_hours_hold_non_urgent_messages_until_eight_in_huizhou(
    mailbox: Mailbox, channels: Channels
) -> None:
    # Given 23:30 in Huizhou
    clock = Clock(datetime(2026, 12, 3, 15, 30, tzinfo=UTC))
    user_id, _ = await requester_with_sms()
    worker = channels.worker(clock)
    # When the order's receipt (not urgent) is due
    await settle(worker)
    # Then nothing is sent, and it waits until 08:00 local (00:00 UTC)
    assert channels.sms.received == []
    held = await NotificationDelivery.get(user_id=user_id)
    assert held.status == SendStatus.PENDING
    assert held.next_attempt_at == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    # And it goes out then
    clock.now = datetime(2026, 12, 4, 0, 0, 1, tzinfo=UTC)
    await settle(worker)
    assert [m["to"] for m in channels.sms.received] == [REQUESTER_PHONE]


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    night = QuietHours(22, 8)
    assert night.is_quiet(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))  # 22:00 local
    assert not night.is_quiet(datetime(2026, 12, 3, 13, 59, tzinfo=UTC))
    assert night.release(datetime(2026, 12, 3, 17, 0, tzinfo=UTC)) == datetime(
        2026, 12, 4, 0, 0, tzinfo=UTC
    )
    assert not QuietHours(8, 8).is_quiet(datetime(2026, 12, 3, 0, 0, tzinfo=UTC))
    now = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    sent = [now - timedelta(minutes=50), now - timedelta(minutes=10)]
    assert next_slot(sent, 2, now) == now + timedelta(minutes=10)
    assert next_slot(sent, 3, now) == now


async def test_a_burst_of_events_becomes_one_digest_within_the_hourly_allowance(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    user_id, order_id = await requester_with_sms()
    worker = channels.worker(clock, rate_per_hour=2)
    await settle(worker)  # the receipt: message 1
    clock.advance(60)
    await step(order_id)
    await settle(worker)  # message 2: the allowance is used up
    clock.advance(60)
    # When five more events come at once
    await step(order_id, 5)
    await settle(worker)
    # Then they wait for the allowance, and go as one message
    assert len(channels.sms.received) == 2
    clock.advance(3600)
    await settle(worker)
    assert len(channels.sms.received) == 3
    assert "5 notifications" in channels.sms.received[-1]["text"]
    rows = await NotificationDelivery.filter(user_id=user_id).order_by("id")
    assert [r.status for r in rows] == [SendStatus.SENT] * 3 + [SendStatus.DIGESTED] * 4
    assert {r.digest_of for r in rows[3:]} == {rows[2].id}
    assert await Notification.filter(user_id=user_id).count() == 7  # every one in the inbox


async def test_a_failing_provider_is_retried_with_back_off_and_a_refusal_is_final(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    user_id, order_id = await requester_with_sms()
    channels.sms.script.extend([500, 503])
    worker = channels.worker(clock)
    await settle(worker)
    row = await NotificationDelivery.get(user_id=user_id)
    assert (row.status, row.attempts) == (SendStatus.PENDING, 1)
    assert row.next_attempt_at == clock.now + timedelta(seconds=10)
    clock.advance(10)
    await settle(worker)
    clock.advance(19)
    await settle(worker)
    assert channels.sms.answered == [500, 503]  # 20 s after the second failure, not yet
    clock.advance(1)
    await settle(worker)
    await row.refresh_from_db()
    assert (row.status, row.attempts) == (SendStatus.SENT, 3)
    assert [e["error"][:8] for e in row.attempt_log] == ["HTTP 500", "HTTP 503", ""]
    # A 400 is not worth retrying
    channels.sms.script.append(400)
    await step(order_id)
    await settle(worker)
    refused = await NotificationDelivery.filter(user_id=user_id).order_by("-id").first()
    assert refused is not None and refused.status == SendStatus.FAILED
    assert len(channels.sms.received) == 1


async def test_a_channel_turned_off_sends_nothing_and_the_inbox_stays_on(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    _, resident = await make_user("resident1", Role.RESIDENT)
    await notifications.set_preference(resident, NotificationChannel.SMS, False, REQUESTER_PHONE)
    await notifications.set_preference(resident, NotificationChannel.EMAIL, True, "a@example.org")
    await make_centers()
    await huicheng_order(resident)
    await settle(channels.worker(clock))
    assert channels.sms.received == []
    assert [m["to"] for m in mailbox.messages] == ["a@example.org"]
    prefs = {p.channel: p for p in await notifications.preferences(resident)}
    assert prefs[NotificationChannel.SMS].enabled is False
    assert prefs[NotificationChannel.INBOX].enabled is True


@pytest.mark.parametrize(
    ("channel", "address", "code"),
    [
        (NotificationChannel.INBOX, None, NotificationErrorCode.INBOX_ALWAYS_ON),
        (NotificationChannel.EMAIL, "not-an-address", NotificationErrorCode.INVALID_EMAIL),
        (NotificationChannel.EMAIL, "a@" + "b" * 250 + ".cn", NotificationErrorCode.INVALID_EMAIL),
        (NotificationChannel.SMS, "12345", NotificationErrorCode.INVALID_PHONE),
    ],
)
async def test_bad_preferences_are_coded_and_change_nothing(
    channel: NotificationChannel, address: str | None, code: NotificationErrorCode
) -> None:
    _, resident = await make_user("resident1", Role.RESIDENT)
    with pytest.raises(DomainError) as raised:
        await notifications.set_preference(resident, channel, False, address)
    assert [p.code for p in raised.value.problems] == [code]
    assert all(p.enabled for p in await notifications.preferences(resident))
    with pytest.raises(NotAuthenticated):
        await notifications.preferences(ANONYMOUS)


async def test_the_reporter_hears_of_their_civic_issue(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    who = await civic_world()
    issue = await report(who["resident"])
    await settle(channels.worker(clock))
    told = await Notification.filter(user_id=who["resident"].user_id)
    assert [(n.kind, n.object_type, n.object_id) for n in told] == [
        ("CIVIC_ISSUE_REPORTED", "CivicIssue", issue.id)
    ]
    assert await Notification.filter(user_id=who["other"].user_id).count() == 0


async def test_a_volunteer_is_reminded_once_of_a_code_about_to_expire(
    mailbox: Mailbox, channels: Channels
) -> None:
    admin = await rewards.admin()
    provider_id = await rewards.provider(admin)
    benefit = await rewards.benefit(admin, provider_id)
    volunteer, _ = await rewards.volunteer("volunteer1")
    redemption = await redemptions.redeem(volunteer, benefit.id, "k-1")
    # Two days and a minute before it expires: not yet
    clock = Clock(redemption.expires_at - timedelta(hours=48, minutes=1))
    worker = channels.worker(clock, reminder_every=timedelta(0))
    await settle(worker)
    assert await Notification.filter(kind="BENEFIT_CODE_EXPIRING").count() == 0
    clock.advance(120)
    await settle(worker)
    await settle(channels.worker(clock, reminder_every=timedelta(0)))
    told = await Notification.filter(kind="BENEFIT_CODE_EXPIRING")
    assert [(n.user_id, n.object_type, n.object_id) for n in told] == [
        (volunteer.user_id, "Redemption", redemption.id)
    ]
    # One SMS to their phone (sent, or held for quiet hours: the clock is wherever now is)
    assert await NotificationDelivery.filter(user_id=volunteer.user_id).count() == 1
