"""The inbox through GraphQL: paging, unread only, marking read with coded errors, preferences,
and that nobody sees another user's notifications (list, node, live stream)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from graphql import ExecutionResult
from strawberry import relay

from models.accounts import Role
from models.notifications import Notification
from schema.core.context import Context
from services.dispatch import assignments
from subscriptions import events
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.notifications.receivers import Mailbox
from tests.notifications.support import Channels, Clock, settle
from tests.support import SCHEMA, count_statements, data_of, error_codes, gql, make_user

INBOX = """
query Inbox($first: Int, $after: String, $unread: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    totalCount
    edges { cursor node { id kind title subjectId read } }
    pageInfo { hasNextPage endCursor }
  }
}"""
MARK = """
mutation Mark($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) { marked errors { code field message } }
}"""
NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Notification { title } } }"""
PREFER = """
mutation Prefer($input: SetNotificationPreferenceInput!) {
  setNotificationPreference(input: $input) {
    preference { channel enabled address }
    errors { code field }
  }
}"""
PREFERENCES = "{ notificationPreferences { channel enabled address } }"
MINE = """
subscription Mine($after: String) {
  myNotifications(after: $after) { cursor notification { id kind } }
}"""


async def notified(channels: Channels) -> dict[str, Any]:
    """The dispatch story's people, after an assignment was turned into notifications."""
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    await settle(channels.worker(Clock()))
    who["order_id"] = order_id
    return who


async def test_the_inbox_pages_filters_and_marks_read(mailbox: Mailbox, channels: Channels) -> None:
    who = await notified(channels)
    resident = who["resident"]
    page = (await data_of(INBOX, {"first": 1}, resident))["notifications"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    first = page["edges"][0]["node"]
    assert (first["kind"], first["read"]) == ("ORDER_SUBMITTED", False)
    assert first["subjectId"] == str(relay.GlobalID("ServiceOrder", str(who["order_id"])))
    rest = await data_of(INBOX, {"after": page["pageInfo"]["endCursor"]}, resident)
    assert [e["node"]["kind"] for e in rest["notifications"]["edges"]] == ["ORDER_ASSIGNED"]

    marked = await data_of(MARK, {"input": {"notifications": [first["id"]]}}, resident)
    assert marked["markNotificationsRead"] == {"marked": 1, "errors": []}
    unread = await data_of(INBOX, {"unread": True}, resident)
    assert [e["node"]["kind"] for e in unread["notifications"]["edges"]] == ["ORDER_ASSIGNED"]
    everything = await data_of(MARK, {"input": {"all": True}}, resident)
    assert everything["markNotificationsRead"]["marked"] == 1


async def test_marking_is_coded_and_nobody_marks_or_sees_anothers(
    mailbox: Mailbox, channels: Channels
) -> None:
    who = await notified(channels)
    theirs = await Notification.filter(user_id=who["volunteer"].user_id).first()
    assert theirs is not None
    gid = str(relay.GlobalID("Notification", str(theirs.id)))
    resident = who["resident"]

    refused = await data_of(MARK, {"input": {"notifications": [gid]}}, resident)
    assert refused["markNotificationsRead"]["errors"][0]["code"] == "NOTIFICATION_NOT_FOUND"
    nothing = await data_of(MARK, {"input": {}}, resident)
    assert nothing["markNotificationsRead"]["errors"][0]["code"] == "NOTHING_TO_MARK"
    wrong_type = str(relay.GlobalID("ServiceOrder", str(theirs.id)))
    wrong = await data_of(MARK, {"input": {"notifications": [wrong_type]}}, resident)
    assert wrong["markNotificationsRead"]["errors"][0]["code"] == "NOTIFICATION_NOT_FOUND"
    await theirs.refresh_from_db()
    assert theirs.read_at is None

    assert (await data_of(NODE, {"id": gid}, resident))["node"] is None
    assert (await data_of(NODE, {"id": gid}, who["volunteer"]))["node"]["title"]
    kinds = await data_of(INBOX, {}, who["volunteer"])
    assert [e["node"]["kind"] for e in kinds["notifications"]["edges"]] == ["ORDER_ASSIGNED"]
    assert error_codes(await gql(INBOX)) == ["NOT_AUTHENTICATED"]
    assert error_codes(await gql(MARK, {"input": {"all": True}})) == ["NOT_AUTHENTICATED"]


async def test_preferences_through_graphql(mailbox: Mailbox, channels: Channels) -> None:
    _, resident = await make_user("resident1", Role.RESIDENT)
    made = await data_of(
        PREFER,
        {"input": {"channel": "EMAIL", "enabled": True, "address": "a@example.org"}},
        resident,
    )
    assert made["setNotificationPreference"]["preference"] == {
        "channel": "EMAIL",
        "enabled": True,
        "address": "a@example.org",
    }
    bad = await data_of(
        PREFER, {"input": {"channel": "SMS", "enabled": True, "address": "call me"}}, resident
    )
    assert bad["setNotificationPreference"] == {
        "preference": None,
        "errors": [{"code": "INVALID_PHONE", "field": "address"}],
    }
    listed = (await data_of(PREFERENCES, None, resident))["notificationPreferences"]
    assert [(p["channel"], p["address"]) for p in listed] == [
        ("INBOX", ""),
        ("EMAIL", "a@example.org"),
        ("SMS", ""),
    ]


async def test_the_live_stream_carries_only_your_own(
    hub: EventHub, mailbox: Mailbox, channels: Channels
) -> None:
    await make_centers()
    who = await people()
    _, stranger = await make_user("stranger", Role.RESIDENT)
    # From now on: a stream starts when it is first read, after the events below.
    now = {"after": events.encode_cursor(await events.latest_id())}
    streams = {}
    for name, principal in (("volunteer", who["volunteer"]), ("stranger", stranger)):
        results = await SCHEMA.subscribe(
            MINE, variable_values=now, context_value=Context(principal=principal, hub=hub)
        )
        assert not isinstance(results, ExecutionResult), results.errors
        streams[name] = results
    anonymous = await SCHEMA.subscribe(MINE, context_value=Context(hub=hub))
    first = await anext(anonymous)  # type: ignore[arg-type]
    assert error_codes(first) == ["NOT_AUTHENTICATED"]

    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    await settle(channels.worker(Clock()))
    event = await asyncio.wait_for(anext(streams["volunteer"]), 10)  # type: ignore[arg-type]
    assert event.errors is None and event.data is not None
    assert event.data["myNotifications"]["notification"]["kind"] == "ORDER_ASSIGNED"
    stranger_next = asyncio.ensure_future(anext(streams["stranger"]))  # type: ignore[arg-type]
    await asyncio.sleep(1.5)  # past a hub heartbeat: nothing came
    assert not stranger_next.done()
    stranger_next.cancel()
    await asyncio.gather(stranger_next, return_exceptions=True)
    for results in streams.values():
        await results.aclose()  # type: ignore[attr-defined]


async def test_the_inbox_costs_the_same_statements_for_1_and_100_rows() -> None:
    user, resident = await make_user("resident1", Role.RESIDENT)
    now = datetime.now(UTC)
    await Notification.bulk_create(
        [
            Notification(
                user_id=user.id,
                kind="ORDER_STARTED",
                title="服务开始 Service started",
                body=f"Your service order #{i} has started.",
                object_type="ServiceOrder",
                object_id=i,
                created_at=now,
            )
            for i in range(1, 101)
        ]
    )
    with count_statements() as one:
        await data_of(INBOX, {"first": 1}, resident)
    with count_statements() as hundred:
        page = await data_of(INBOX, {"first": 100}, resident)
    assert len(page["notifications"]["edges"]) == 100
    assert len(hundred.statements) == len(one.statements)
