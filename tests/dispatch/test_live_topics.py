"""The personal live streams, through `schema.subscribe`: `myAssignments` (a volunteer's own
assignments and their changes, nobody else's) and `orderUpdated` (the requester follows their
order; a stranger is refused), including an order assigned to an organisation, which its approved
members and admins follow on `myAssignments` until one of them takes it and after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from strawberry import relay
from strawberry.types import ExecutionResult

from models.accounts import Role
from schema.core.context import Context
from services import organizations
from services.common.principal import Principal
from subscriptions import events
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import SCHEMA, data_of, make_organization, make_user, make_volunteer

MY_ASSIGNMENTS = """
subscription Mine($after: String) {
  myAssignments(after: $after) { cursor type status orderId }
}"""
ORDER_UPDATED = """
subscription Follow($order: ID!, $after: String) {
  orderUpdated(order: $order, after: $after) { cursor type status orderId }
}"""
ASSIGN = """
mutation Assign($input: AssignOrderInput!) {
  assignOrder(input: $input) {
    order { assignments { id status volunteer { id } } } errors { code }
  }
}"""
ACCEPT = """
mutation Accept($id: ID!) {
  acceptAssignment(input: {assignment: $id}) {
    assignment { status volunteer { id } } errors { code }
  }
}"""
DECLINE = """
mutation Decline($id: ID!) {
  declineAssignment(input: {assignment: $id}) { assignment { status } errors { code } }
}"""
CHECK_IN = """
mutation CheckIn($id: ID!) {
  checkIn(input: {assignment: $id, location: {lat: 23.0837, lng: 114.3828}}) {
    assignment { status } errors { code }
  }
}"""
CANCEL = """
mutation Cancel($id: ID!) {
  cancelOrder(input: {order: $id, reason: "no longer needed"}) { order { status } errors { code } }
}"""
QUIET = 1.0  # how long "nothing more arrives" is watched for


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


class Stream:
    """One subscription through the schema, read with bounded waits."""

    def __init__(self, results: AsyncGenerator[ExecutionResult, None], field: str) -> None:
        self.results = results
        self.field = field
        self._next: asyncio.Task[ExecutionResult] | None = None

    async def _step(self, within: float) -> ExecutionResult:
        if self._next is None:
            self._next = asyncio.ensure_future(anext(self.results))
        done, _ = await asyncio.wait({self._next}, timeout=within)
        if not done:
            raise TimeoutError
        result, self._next = self._next.result(), None
        return result

    async def take(self, count: int, within: float = 10) -> list[tuple[str, str, str]]:
        """(type, status, orderId) of the next `count` events."""
        got = []
        for _ in range(count):
            result = await self._step(within)
            assert result.errors is None, result.errors
            assert result.data is not None
            event = result.data[self.field]
            assert events.decode_cursor(event["cursor"]) is not None
            got.append((event["type"], event["status"], event["orderId"]))
        return got

    async def nothing_more(self) -> None:
        try:
            extra = await self._step(QUIET)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event: {extra}")

    async def error_codes(self) -> list[str]:
        result = await self._step(10)
        return [str((e.extensions or {}).get("code")) for e in result.errors or []]

    async def close(self) -> None:
        if self._next is not None:
            self._next.cancel()
            await asyncio.gather(self._next, return_exceptions=True)
        await self.results.aclose()


async def subscribe(
    hub: EventHub, principal: Principal, document: str, variables: dict[str, Any]
) -> Stream:
    results = await SCHEMA.subscribe(
        document, variable_values=variables, context_value=Context(principal=principal, hub=hub)
    )
    assert not isinstance(results, ExecutionResult), results.errors
    field = "myAssignments" if "myAssignments" in document else "orderUpdated"
    return Stream(results, field)


async def cursor_now() -> str:
    return events.encode_cursor(await events.latest_id())


# myAssignments


async def test_a_volunteer_sees_their_own_new_assignment_and_its_changes_and_nobody_elses(
    hub: EventHub,
) -> None:
    # given two volunteers, two orders, and the first volunteer following their assignments
    await make_centers()
    who = await people()
    _, other, other_id = await make_volunteer("volunteer2")
    # Under way: the volunteer checks in now.
    mine = await huicheng_order(who["resident"], hours_from_now=-1)
    theirs = await huicheng_order(who["resident"], hours_from_now=8)
    stream = await subscribe(hub, who["volunteer"], MY_ASSIGNMENTS, {"after": await cursor_now()})
    try:
        # when each order is assigned to one of them, both accept, and the first checks in
        assigned = await data_of(
            ASSIGN,
            {
                "input": {
                    "order": gid("ServiceOrder", mine),
                    "volunteers": [gid("Volunteer", who["volunteer_id"])],
                }
            },
            who["dispatcher"],
        )
        await data_of(
            ASSIGN,
            {
                "input": {
                    "order": gid("ServiceOrder", theirs),
                    "volunteers": [gid("Volunteer", other_id)],
                }
            },
            who["dispatcher"],
        )
        assignment = assigned["assignOrder"]["order"]["assignments"][0]["id"]
        their_assignment = (
            await data_of(
                "query ($id: ID!) { node(id: $id) { ... on ServiceOrder { assignments { id } } } }",
                {"id": gid("ServiceOrder", theirs)},
                who["dispatcher"],
            )
        )["node"]["assignments"][0]["id"]
        await data_of(ACCEPT, {"id": their_assignment}, other)
        await data_of(ACCEPT, {"id": assignment}, who["volunteer"])
        await data_of(CHECK_IN, {"id": assignment}, who["volunteer"])

        # then the first volunteer sees their order assigned, accepted, started, and no more
        seen = await stream.take(3)
        await stream.nothing_more()
    finally:
        await stream.close()
    order = gid("ServiceOrder", mine)
    assert seen == [
        ("ORDER_ASSIGNED", "ASSIGNED", order),
        ("ASSIGNMENT_ACCEPTED", "ACCEPTED", order),
        ("ORDER_STARTED", "IN_PROGRESS", order),
    ]


async def test_my_assignments_is_for_volunteers_only(hub: EventHub) -> None:
    _, resident = await make_user("resident9", Role.RESIDENT)

    stream = await subscribe(hub, resident, MY_ASSIGNMENTS, {})
    try:
        codes = await stream.error_codes()
    finally:
        await stream.close()

    assert codes == ["NOT_PERMITTED"]


# orderUpdated


async def test_the_requester_follows_their_order_live_and_from_its_beginning(
    hub: EventHub,
) -> None:
    # given a resident's two orders, and the resident following the first from now on
    await make_centers()
    who = await people()
    followed = await huicheng_order(who["resident"], hours_from_now=2)
    other = await huicheng_order(who["resident"], hours_from_now=8)
    live = await subscribe(
        hub,
        who["resident"],
        ORDER_UPDATED,
        {"order": gid("ServiceOrder", followed), "after": await cursor_now()},
    )
    try:
        # when the other order is assigned, and the followed one is assigned, then cancelled
        await data_of(
            ASSIGN,
            {
                "input": {
                    "order": gid("ServiceOrder", other),
                    "volunteers": [gid("Volunteer", who["volunteer_id"])],
                }
            },
            who["dispatcher"],
        )
        await data_of(
            ASSIGN,
            {
                "input": {
                    "order": gid("ServiceOrder", followed),
                    "volunteers": [gid("Volunteer", who["volunteer_id"])],
                }
            },
            who["dispatcher"],
        )
        await data_of(CANCEL, {"id": gid("ServiceOrder", followed)}, who["resident"])

        # then the requester sees exactly the followed order's changes
        seen = await live.take(2)
        await live.nothing_more()
    finally:
        await live.close()

    # and from the start of the log, its whole history, submission included
    history = await subscribe(
        hub,
        who["resident"],
        ORDER_UPDATED,
        {"order": gid("ServiceOrder", followed), "after": events.encode_cursor(0)},
    )
    try:
        replayed = await history.take(3)
        await history.nothing_more()
    finally:
        await history.close()
    order = gid("ServiceOrder", followed)
    assert seen == [("ORDER_ASSIGNED", "ASSIGNED", order), ("ORDER_CANCELLED", "CANCELLED", order)]
    assert replayed == [("ORDER_SUBMITTED", "SUBMITTED", order), *seen]


async def test_a_stranger_cannot_follow_someone_elses_order(hub: EventHub) -> None:
    # given a resident's order, another resident, and an order id that does not exist
    await make_centers()
    who = await people()
    order = await huicheng_order(who["resident"])
    _, stranger = await make_user("stranger1", Role.RESIDENT)

    codes = []
    for principal, order_id in ((stranger, order), (who["resident"], order + 1000)):
        # when they try to follow it
        stream = await subscribe(
            hub, principal, ORDER_UPDATED, {"order": gid("ServiceOrder", order_id)}
        )
        try:
            codes.append(await stream.error_codes())
        finally:
            await stream.close()

    # then both are refused alike: a missing order is not told apart from someone else's
    assert codes == [["NOT_PERMITTED"], ["NOT_PERMITTED"]]


# Organisations


async def test_an_organisations_members_and_admins_see_its_orders_and_one_member_takes_one(
    hub: EventHub,
) -> None:
    # given an organisation (its founder is its admin) with one approved member and one still
    # pending, a volunteer outside it, and a resident's order the resident follows
    await make_centers()
    who = await people()
    _, founder, _ = await make_volunteer("founder1")
    organization_id = await make_organization(founder)
    _, member, member_id = await make_volunteer("member1")
    membership = await organizations.apply(member, organization_id)
    await organizations.decide(founder, membership.id, approve=True)
    _, applicant, _ = await make_volunteer("applicant1")
    await organizations.apply(applicant, organization_id)
    order = await huicheng_order(who["resident"])
    start = await cursor_now()
    requester = await subscribe(
        hub, who["resident"], ORDER_UPDATED, {"order": gid("ServiceOrder", order), "after": start}
    )
    feeds = {
        name: await subscribe(hub, principal, MY_ASSIGNMENTS, {"after": start})
        for name, principal in (
            ("admin", founder),
            ("member", member),
            ("applicant", applicant),
            ("outsider", who["volunteer"]),
        )
    }
    try:
        # when a dispatcher assigns the order to the organisation
        assigned = await data_of(
            ASSIGN,
            {
                "input": {
                    "order": gid("ServiceOrder", order),
                    "organization": gid("Organization", organization_id),
                }
            },
            who["dispatcher"],
        )
        held = assigned["assignOrder"]["order"]["assignments"]
        # and a volunteer outside the organisation tries to accept it, then the member does
        outsider = await data_of(ACCEPT, {"id": held[0]["id"]}, who["volunteer"])
        accepted = await data_of(ACCEPT, {"id": held[0]["id"]}, member)

        # then the organisation held it with no volunteer named, the outsider was refused, and
        # the member now holds it
        assert held == [{"id": held[0]["id"], "status": "ASSIGNED", "volunteer": None}]
        assert outsider["acceptAssignment"]["errors"] == [{"code": "NOT_YOUR_ASSIGNMENT"}]
        assert accepted["acceptAssignment"] == {
            "assignment": {"status": "ACCEPTED", "volunteer": {"id": gid("Volunteer", member_id)}},
            "errors": [],
        }
        # and the requester, the organisation's admin and its approved member saw both steps
        # on their own streams; the pending applicant and the outsider saw nothing
        followed = await requester.take(2)
        await requester.nothing_more()
        seen = {name: await feeds[name].take(2) for name in ("admin", "member")}
        for feed in feeds.values():
            await feed.nothing_more()
    finally:
        await requester.close()
        for feed in feeds.values():
            await feed.close()
    gid_order = gid("ServiceOrder", order)
    both_steps = [
        ("ORDER_ASSIGNED", "ASSIGNED", gid_order),
        ("ASSIGNMENT_ACCEPTED", "ACCEPTED", gid_order),
    ]
    assert followed == both_steps
    assert seen == {"admin": both_steps, "member": both_steps}


async def test_an_organisation_hears_when_its_order_goes_back_to_the_queue(
    hub: EventHub,
) -> None:
    # given an order assigned to an organisation and accepted by its one member
    await make_centers()
    who = await people()
    _, founder, _ = await make_volunteer("founder1")
    organization_id = await make_organization(founder)
    _, member, _ = await make_volunteer("member1")
    membership = await organizations.apply(member, organization_id)
    await organizations.decide(founder, membership.id, approve=True)
    order = await huicheng_order(who["resident"])
    assigned = await data_of(
        ASSIGN,
        {
            "input": {
                "order": gid("ServiceOrder", order),
                "organization": gid("Organization", organization_id),
            }
        },
        who["dispatcher"],
    )
    assignment = assigned["assignOrder"]["order"]["assignments"][0]["id"]
    await data_of(ACCEPT, {"id": assignment}, member)
    admin_feed = await subscribe(hub, founder, MY_ASSIGNMENTS, {"after": await cursor_now()})
    try:
        # when the member steps back, and the order returns to the centre's queue
        declined = await data_of(DECLINE, {"id": assignment}, member)

        # then the organisation's admin hears that it is no longer the organisation's
        assert declined["declineAssignment"]["errors"] == []
        seen = await admin_feed.take(1)
        await admin_feed.nothing_more()
    finally:
        await admin_feed.close()
    assert seen == [("ASSIGNMENT_DECLINED", "SUBMITTED", gid("ServiceOrder", order))]


SUBMIT = """
mutation Submit($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id status } eventCursor errors { code } }
}"""


async def test_a_requester_who_follows_from_the_submissions_cursor_misses_nothing(
    hub: EventHub,
) -> None:
    # given a centre that assigns by itself, and a volunteer free to be assigned
    from datetime import UTC, datetime, timedelta

    from models.dispatch import DispatchCenter
    from models.events import Event

    centers = await make_centers()
    await DispatchCenter.filter(id=centers["district"].id).update(auto_assign=True)
    who = await people()
    start = datetime.now(UTC) + timedelta(hours=2)
    order_input = {
        "category": "ERRANDS",
        "description": "Pick up medicine from the pharmacy",
        "address": "惠城区江北文昌一路 8 号",
        "location": {"lat": 23.0837, "lng": 114.3828},
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=1)).isoformat(),
    }

    # when the resident submits, and only then subscribes with the cursor the payload gave
    submitted = (await data_of(SUBMIT, {"input": order_input}, who["resident"]))["submitOrder"]
    order = submitted["order"]["id"]
    assert submitted["errors"] == [] and submitted["order"]["status"] == "ASSIGNED"
    live = await subscribe(
        hub, who["resident"], ORDER_UPDATED, {"order": order, "after": submitted["eventCursor"]}
    )
    try:
        # then the automatic assignment, committed before the subscription began, arrives once
        seen = await live.take(1)
        await live.nothing_more()
    finally:
        await live.close()
    assert seen == [("ORDER_ASSIGNED", "ASSIGNED", order)]
    submitted_event = await Event.get(id=events.decode_cursor(submitted["eventCursor"]) or -1)
    assert submitted_event.type == "ORDER_SUBMITTED"

    # and a refused submission gives no cursor
    refused = await data_of(SUBMIT, {"input": {**order_input, "description": "x"}}, who["resident"])
    assert refused["submitOrder"]["eventCursor"] is None
    assert refused["submitOrder"]["errors"] == [{"code": "INVALID_DESCRIPTION"}]
