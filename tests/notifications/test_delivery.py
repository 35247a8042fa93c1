"""An assignment, end to end at the service level: the inbox entry arrives live on
`myNotifications`, the e-mail at a real local SMTP server, the SMS at a local provider — once
each, with the worker stopped and others started in between, two of them at once."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import ExecutionResult

from models.notifications import Notification, NotificationChannel, NotificationDelivery, SendStatus
from schema.core.context import Context
from services import notifications
from services.dispatch import assignments
from subscriptions import events
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.notifications.receivers import Mailbox
from tests.notifications.support import Channels, Clock, settle
from tests.support import SCHEMA

MY_NOTIFICATIONS = """
subscription Mine($after: String) {
  myNotifications(after: $after) {
    cursor
    notification { id kind title body subjectId urgent read }
  }
}"""


async def next_event(results: Any, within: float = 10.0) -> dict[str, Any]:
    result: ExecutionResult = await asyncio.wait_for(results.__anext__(), within)
    assert result.errors is None, result.errors
    assert result.data is not None
    event: dict[str, Any] = result.data["myNotifications"]
    return event


async def test_an_assignment_notifies_the_volunteer_once_on_every_channel_across_restarts(
    hub: EventHub, mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    # Given a volunteer with an e-mail address (SMS goes to their registered phone)
    await make_centers()
    who = await people()
    await notifications.set_preference(
        who["volunteer"], NotificationChannel.EMAIL, True, "chen@example.org"
    )
    after = events.encode_cursor(await events.latest_id())
    results = await SCHEMA.subscribe(
        MY_NOTIFICATIONS,
        variable_values={"after": after},
        context_value=Context(principal=who["volunteer"], hub=hub),
    )
    assert not isinstance(results, ExecutionResult), results.errors

    # When an order is assigned to them, one worker scans the log and stops before sending
    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    first = channels.worker(clock)
    assert await first.scan()
    await first.stop()
    assert mailbox.messages == [] and channels.sms.received == []

    # Then it is in their inbox, live
    live = await next_event(results)
    assert live["notification"]["kind"] == "ORDER_ASSIGNED"
    assert live["notification"]["urgent"] is True
    assert live["notification"]["subjectId"] == str(_gid("ServiceOrder", order_id))

    # And two workers started afterwards, at once, send the e-mail and the SMS once each
    second, third = channels.worker(clock), channels.worker(clock)
    await asyncio.gather(settle(second), settle(third))
    await channels.worker(clock).run_once()
    mails = mailbox.to("chen@example.org")
    assert len(mails) == 1
    assert f"#{order_id}" in mails[0].get_payload(decode=True).decode()
    assert [m["to"] for m in channels.sms.received] == ["13800138000"]
    assert f"#{order_id}" in channels.sms.received[0]["text"]

    # And the log says so, one row per channel
    rows = await NotificationDelivery.filter(user_id=who["volunteer"].user_id).order_by("channel")
    assert [(r.channel, r.status, r.attempts) for r in rows] == [
        (NotificationChannel.EMAIL, SendStatus.SENT, 1),
        (NotificationChannel.SMS, SendStatus.SENT, 1),
    ]
    # The requester was told of each step, in the inbox only (no address known)
    told = await Notification.filter(user_id=who["resident"].user_id).order_by("id")
    assert [n.kind for n in told] == ["ORDER_SUBMITTED", "ORDER_ASSIGNED"]
    assert await NotificationDelivery.filter(user_id=who["resident"].user_id).count() == 0
    await results.aclose()


async def test_a_second_scan_of_the_same_events_writes_nothing(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    a, b = channels.worker(clock), channels.worker(clock)
    await asyncio.gather(a.scan(), b.scan(), a.scan())
    await settle(a)
    assert await Notification.filter(user_id=who["volunteer"].user_id).count() == 1
    assert await NotificationDelivery.all().count() == 1  # the volunteer's SMS
    assert len(channels.sms.received) == 1


def _gid(type_name: str, pk: int) -> str:
    from strawberry import relay

    return str(relay.GlobalID(type_name, str(pk)))
