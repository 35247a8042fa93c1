"""The dispatch API through the schema: the whole flow, the wall's live feed, and the
statement count of the order list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from strawberry import relay

from models.dispatch import OrderAssignment, ServiceOrder
from models.geography import District
from schema.core.context import Context
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import SCHEMA, count_statements, data_of, error_codes, gql

SUBMIT = """
mutation ($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id status dispatchCenter { name } } errors { code field } }
}"""
ASSIGN = """
mutation ($input: AssignOrderInput!) {
  assignOrder(input: $input) { order { status assignments { id } } errors { code } }
}"""
ACCEPT = """mutation ($id: ID!) { acceptAssignment(input: {assignment: $id}) {
  assignment { status } errors { code } } }"""
CHECK_IN = """mutation ($id: ID!, $code: String) { checkIn(input: {assignment: $id, code: $code}) {
  assignment { status } errors { code } } }"""
CHECK_OUT = """mutation ($id: ID!, $code: String) {
  checkOut(input: {assignment: $id, code: $code}) {
    record { id status hours flags } errors { code } } }"""
ORDER_CODE = """query ($id: ID!) { orderAttendanceCode(order: $id) { code validUntil qrSvg } }"""
CONFIRM = """mutation ($id: ID!) { confirmServiceRecord(input: {record: $id}) {
  record { status } errors { code } } }"""
RATE = """mutation ($id: ID!) { rateOrder(input: {order: $id, rating: 5}) {
  order { status rating } errors { code } } }"""
SUGGEST = """query ($id: ID!) { suggestVolunteers(order: $id) { score volunteer { id }
  parts { name reason } } }"""
FEED = """subscription ($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor ... on DispatchEvent { type status order { id } }
  }
}"""
ORDERS = """query ($first: Int!) { orders(first: $first) { edges { node {
  id status dispatchCenter { name } district { name } assignments { status volunteer { id } }
} } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def submit_input() -> dict[str, Any]:
    district = await District.get(code="HUICHENG")
    # Under way: started an hour ago, two hours to go.
    start = datetime.now(UTC) - timedelta(hours=1)
    return {
        "category": "ELDERLY_CARE",
        "description": "Accompany grandma to the hospital",
        "address": "惠城区江北文昌一路 8 号",
        "location": {"lat": 23.0837, "lng": 114.3828},
        "district": gid("District", district.id),
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=2)).isoformat(),
    }


async def test_the_whole_flow_through_graphql_and_the_wall_sees_each_step(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    feed = await SCHEMA.subscribe(
        FEED,
        variable_values={"center": gid("DispatchCenter", centers["district"].id)},
        context_value=Context(principal=who["dispatcher"], hub=hub),
    )
    assert not hasattr(feed, "errors"), feed
    seen: list[dict[str, Any]] = []

    async def watch() -> None:
        async for result in feed:  # type: ignore[union-attr]
            assert result.errors is None, result.errors
            seen.append(result.data["dispatchFeed"])
            if len(seen) == 5:
                return

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0.2)
    submitted = await data_of(SUBMIT, {"input": await submit_input()}, who["resident"])
    order = submitted["submitOrder"]["order"]
    assert order["status"] == "SUBMITTED" and order["dispatchCenter"]["name"] == "惠城区调度中心"
    suggestions = (await data_of(SUGGEST, {"id": order["id"]}, who["dispatcher"]))[
        "suggestVolunteers"
    ]
    assert suggestions and {p["name"] for p in suggestions[0]["parts"]} >= {"skills", "distance"}
    assign = {"order": order["id"], "volunteers": [suggestions[0]["volunteer"]["id"]]}
    assigned = await data_of(ASSIGN, {"input": assign}, who["dispatcher"])
    assert assigned["assignOrder"]["errors"] == []
    again = await data_of(ASSIGN, {"input": assign}, who["dispatcher"])
    assert again["assignOrder"]["errors"] == [{"code": "ORDER_ALREADY_ASSIGNED"}]
    assignment = assigned["assignOrder"]["order"]["assignments"][0]["id"]
    accepted = await data_of(ACCEPT, {"id": assignment}, who["volunteer"])
    assert accepted["acceptAssignment"]["errors"] == []
    # The requester's phone shows the rotating code; the volunteer scans it on arrival.
    shown = (await data_of(ORDER_CODE, {"id": order["id"]}, who["resident"]))["orderAttendanceCode"]
    assert shown["qrSvg"].startswith("<svg") and len(shown["code"]) == 8
    nobody = await gql(ORDER_CODE, {"id": order["id"]}, who["volunteer"])
    assert error_codes(nobody) == ["NOT_PERMITTED"]
    wrong = await data_of(CHECK_IN, {"id": assignment, "code": "AAAAAAAA"}, who["volunteer"])
    assert wrong["checkIn"]["errors"] == [{"code": "CODE_INVALID"}]
    checked = await data_of(CHECK_IN, {"id": assignment, "code": shown["code"]}, who["volunteer"])
    assert checked["checkIn"]["errors"] == []
    # Two hours pass.
    await OrderAssignment.filter(id=int(relay.GlobalID.from_id(assignment).node_id)).update(
        checked_in_at=datetime.now(UTC) - timedelta(hours=2)
    )
    out = await data_of(CHECK_OUT, {"id": assignment, "code": shown["code"]}, who["volunteer"])
    record = out["checkOut"]["record"]
    assert record["status"] == "PENDING" and record["flags"] == []
    # Clipped to the window, which started an hour ago.
    assert Decimal(record["hours"]) in (Decimal("0.99"), Decimal("1.00"))
    confirmed = await data_of(CONFIRM, {"id": record["id"]}, who["dispatcher"])
    assert confirmed["confirmServiceRecord"]["record"]["status"] == "CONFIRMED"
    rated = await data_of(RATE, {"id": order["id"]}, who["resident"])
    assert rated["rateOrder"]["order"] == {"status": "RATED", "rating": 5}
    await asyncio.wait_for(watcher, 10)
    assert [e["type"] for e in seen] == [
        "ORDER_SUBMITTED",
        "ORDER_ASSIGNED",
        "ASSIGNMENT_ACCEPTED",
        "ORDER_STARTED",
        "ORDER_COMPLETED",
    ]
    assert all(e["order"]["id"] == order["id"] for e in seen)
    await feed.aclose()  # type: ignore[union-attr]


async def test_the_city_wall_sees_the_orders_of_the_centres_below_it(hub: EventHub) -> None:
    # given the city centre's wall following its feed
    centers = await make_centers()
    who = await people()
    feed = await SCHEMA.subscribe(
        FEED,
        variable_values={"center": gid("DispatchCenter", centers["city"].id)},
        context_value=Context(principal=who["dispatcher"], hub=hub),
    )
    assert not hasattr(feed, "errors"), feed
    first = asyncio.create_task(anext(feed))  # type: ignore[arg-type]
    await asyncio.sleep(0.2)

    # when a resident's order is routed to Huicheng's district centre
    submitted = await data_of(SUBMIT, {"input": await submit_input()}, who["resident"])
    order = submitted["submitOrder"]["order"]
    assert order["dispatchCenter"]["name"] == "惠城区调度中心"

    # then the city's wall sees it, once
    result = await asyncio.wait_for(first, 10)
    assert result.errors is None, result.errors
    event = result.data["dispatchFeed"]
    assert (event["type"], event["order"]["id"]) == ("ORDER_SUBMITTED", order["id"])
    await feed.aclose()  # type: ignore[union-attr]


async def test_the_feed_of_an_unknown_centre_is_refused_rather_than_silent(hub: EventHub) -> None:
    # given a dispatcher and a centre id that names no centre, and one of another type
    centers = await make_centers()
    who = await people()
    context = Context(principal=who["dispatcher"], hub=hub)

    for center, what in (
        (gid("DispatchCenter", centers["city"].id + 1000), "no such dispatch centre"),
        (gid("District", centers["city"].id), "not of a DispatchCenter"),
    ):
        # when the wall subscribes to it
        feed = await SCHEMA.subscribe(
            FEED, variable_values={"center": center}, context_value=context
        )
        first = await asyncio.wait_for(anext(feed), 5)  # type: ignore[arg-type]

        # then the first message is a coded error naming the argument, not an endless wait
        assert first.errors is not None
        assert first.errors[0].extensions == {
            "code": "NOT_FOUND",
            "field": "Subscription.dispatchFeed(dispatchCenter:)",
        }
        assert what in first.errors[0].message


async def test_bad_input_is_a_coded_error_and_residents_cannot_assign() -> None:
    await make_centers()
    who = await people()
    data = await submit_input()
    data["windowEnd"] = data["windowStart"]
    result = await data_of(SUBMIT, {"input": data}, who["resident"])
    assert result["submitOrder"]["errors"] == [{"code": "INVALID_WINDOW", "field": "windowEnd"}]
    order_id = await huicheng_order(who["resident"])
    denied = await gql(ASSIGN, {"input": {"order": gid("ServiceOrder", order_id)}}, who["resident"])
    assert denied.errors and denied.errors[0].extensions == {"code": "NOT_PERMITTED"}


async def test_the_wall_feed_needs_a_dispatch_role(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    result = await SCHEMA.subscribe(
        FEED,
        variable_values={"center": gid("DispatchCenter", centers["city"].id)},
        context_value=Context(principal=who["resident"], hub=hub),
    )
    first = await anext(result) if hasattr(result, "__anext__") else result  # type: ignore[arg-type]
    assert first.errors and first.errors[0].extensions == {"code": "NOT_PERMITTED"}


async def test_the_order_list_costs_the_same_statements_for_1_and_100_rows() -> None:
    await make_centers()
    who = await people()
    from services.dispatch import assignments

    for i in range(100):
        order_id = await huicheng_order(who["resident"], hours_from_now=2 + 3 * i, length=1)
        if i % 2 == 0:
            await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    counts = []
    for first in (1, 100):
        with count_statements() as counter:
            data = await data_of(ORDERS, {"first": first}, who["dispatcher"])
        assert len(data["orders"]["edges"]) == first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts
    assert await ServiceOrder.all().count() == 100
