"""An order for N volunteers assigned to an organisation: its approved members see it and take
places up to N, each refusal coded; on PostgreSQL N+5 members at once make exactly N."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from strawberry import relay

from models.dispatch import AssignmentStatus, OrderAssignment, OrderStatus, ServiceOrder
from models.events import Event
from services import organizations
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch import assignments, places
from services.dispatch.errors import DispatchErrorCode
from tests.conftest import Backend
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import count_statements, data_of, gql, make_organization, make_volunteer

TAKE = """mutation ($order: ID!) { takeOrderPlace(input: {order: $order}) {
  assignment { id status volunteer { id } } errors { code } } }"""
OFFERED = """query ($first: Int) { organizationOrders(first: $first) { edges { node {
  id volunteersNeeded placesTaken assignments { status volunteer { id } } } } } }"""
NODE = """query ($id: ID!) { node(id: $id) { ... on ServiceOrder { id placesTaken } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


Members = list[tuple[Principal, int]]


async def organization_with_members(count: int) -> tuple[int, Principal, Members]:
    _, founder, _ = await make_volunteer("founder1", phone="13600136000")
    organization_id = await make_organization(founder)
    members = []
    for i in range(count):
        _, member, member_id = await make_volunteer(f"member-{i}", phone=f"1360013{i + 1:04d}")
        membership = await organizations.apply(member, organization_id)
        await organizations.decide(founder, membership.id, approve=True)
        members.append((member, member_id))
    return organization_id, founder, members


async def order_for_organization(who: dict[str, Any], organization_id: int, needed: int) -> int:
    order_id = await huicheng_order(who["resident"], volunteers_needed=needed)
    await assignments.assign(who["dispatcher"], order_id, [], organization_id)
    return order_id


async def code_of(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        await call
    return DispatchErrorCode(caught.value.problems[0].code).value


async def test_members_take_places_up_to_the_number_needed_then_the_order_is_full() -> None:
    # given an order for 3 volunteers assigned to an organisation of 5 members
    await make_centers()
    who = await people()
    organization_id, _, members = await organization_with_members(5)
    order_id = await order_for_organization(who, organization_id, 3)

    # when three members take places, and a fourth tries
    taken = [await places.take_place(m, order_id) for m, _ in members[:3]]
    refused = await code_of(places.take_place(members[3][0], order_id))

    # then each of the three holds their own accepted assignment, and the order is full
    assert [(a.volunteer_id, a.status) for a in taken] == [
        (member_id, AssignmentStatus.ACCEPTED) for _, member_id in members[:3]
    ]
    assert refused == DispatchErrorCode.ORDER_FULL
    assert await places.places_taken(order_id) == 3
    assert (await ServiceOrder.get(id=order_id)).status == OrderStatus.ACCEPTED
    assert not await OrderAssignment.exists(order_id=order_id, volunteer_id=None)
    assert await Event.filter(type="ASSIGNMENT_ACCEPTED").count() == 3


async def test_taking_a_place_refuses_outsiders_pending_applicants_and_a_second_place() -> None:
    await make_centers()
    who = await people()
    organization_id, founder, members = await organization_with_members(1)
    _, applicant, _ = await make_volunteer("applicant1", phone="13500135000")
    await organizations.apply(applicant, organization_id)
    order_id = await order_for_organization(who, organization_id, 2)
    plain = await huicheng_order(who["resident"], hours_from_now=30)
    before = await Event.all().count()

    assert await code_of(places.take_place(who["volunteer"], order_id)) == "NOT_A_MEMBER"
    assert await code_of(places.take_place(applicant, order_id)) == "NOT_A_MEMBER"
    assert await code_of(places.take_place(members[0][0], plain)) == "NOT_A_MEMBER"
    assert await code_of(places.take_place(who["resident"], order_id)) == "NOT_A_MEMBER"
    assert await code_of(places.take_place(members[0][0], 999_999)) == "ORDER_NOT_FOUND"
    assert await Event.all().count() == before  # nothing changed

    await places.take_place(members[0][0], order_id)
    assert await code_of(places.take_place(members[0][0], order_id)) == "ALREADY_SERVING"
    # the organisation's admin is a member too, and takes the second place
    await places.take_place(founder, order_id)
    assert await places.places_taken(order_id) == 2


async def test_accepting_the_organisations_assignment_takes_a_place_a_decline_returns_it() -> None:
    await make_centers()
    who = await people()
    organization_id, _, members = await organization_with_members(3)
    order_id = await order_for_organization(who, organization_id, 2)
    offer = await OrderAssignment.get(order_id=order_id, volunteer_id=None)

    # accepting the offer (the older way) takes a place; a new offer holds the place left
    first = await assignments.accept(members[0][0], offer.id)
    second_offer = await OrderAssignment.get(
        order_id=order_id, volunteer_id=None, status=AssignmentStatus.ASSIGNED
    )
    assert first.volunteer_id == members[0][1] and second_offer.id != offer.id
    await places.take_place(members[1][0], order_id)
    assert await code_of(places.take_place(members[2][0], order_id)) == "ORDER_FULL"

    # when a member steps back, their place goes back to the organisation
    mine = await OrderAssignment.get(order_id=order_id, volunteer_id=members[1][1])
    await assignments.decline(members[1][0], mine.id)
    assert await places.places_taken(order_id) == 1
    taken = await places.take_place(members[2][0], order_id)
    assert taken.volunteer_id == members[2][1]
    assert (await ServiceOrder.get(id=order_id)).organization_id == organization_id


async def test_members_see_their_organisations_open_orders_and_take_a_place_through_graphql() -> (
    None
):
    await make_centers()
    who = await people()
    organization_id, _, members = await organization_with_members(2)
    order_id = await order_for_organization(who, organization_id, 2)
    _, other_founder, _ = await make_volunteer("founder2", phone="13400134000")
    other_org = await make_organization(other_founder, "另一个志愿服务队")
    await order_for_organization(who, other_org, 1)
    member, member_id = members[0]
    order = gid("ServiceOrder", order_id)

    # before taking a place, the member sees the order (list and node); an outsider sees none
    offered = await data_of(OFFERED, {"first": 10}, member)
    nodes = [e["node"] for e in offered["organizationOrders"]["edges"]]
    assert [(n["id"], n["volunteersNeeded"], n["placesTaken"]) for n in nodes] == [(order, 2, 0)]
    assert (await data_of(NODE, {"id": order}, member))["node"] == {"id": order, "placesTaken": 0}
    assert (await data_of(OFFERED, {"first": 10}, who["volunteer"]))["organizationOrders"][
        "edges"
    ] == []
    assert (await data_of(NODE, {"id": order}, who["volunteer"]))["node"] is None

    # when the member takes a place
    took = (await data_of(TAKE, {"order": order}, member))["takeOrderPlace"]
    assert took["errors"] == [] and took["assignment"]["status"] == "ACCEPTED"
    assert took["assignment"]["volunteer"] == {"id": gid("Volunteer", member_id)}
    again = (await data_of(TAKE, {"order": order}, member))["takeOrderPlace"]
    assert again == {"assignment": None, "errors": [{"code": "ALREADY_SERVING"}]}
    outsider = (await data_of(TAKE, {"order": order}, who["volunteer"]))["takeOrderPlace"]
    assert outsider["errors"] == [{"code": "NOT_A_MEMBER"}]

    # then the order shows one place taken of two; once full it leaves the list
    offered = await data_of(OFFERED, {"first": 10}, members[1][0])
    assert offered["organizationOrders"]["edges"][0]["node"]["placesTaken"] == 1
    await data_of(TAKE, {"order": order}, members[1][0])
    assert (await data_of(OFFERED, {"first": 10}, members[1][0]))["organizationOrders"][
        "edges"
    ] == []


async def test_taking_a_place_needs_a_signed_in_user_and_the_wall_is_refused() -> None:
    from models.accounts import Role
    from services.common.principal import ANONYMOUS
    from tests.support import make_user

    await make_centers()
    who = await people()
    organization_id, _, _ = await organization_with_members(1)
    order = gid("ServiceOrder", await order_for_organization(who, organization_id, 1))
    _, wall = await make_user("wall1", Role.WALL_DISPLAY)
    for principal in (ANONYMOUS, wall):
        for document, variables in ((TAKE, {"order": order}), (OFFERED, {"first": 5})):
            result = await gql(document, variables, principal)
            assert result.errors and result.errors[0].extensions, result
            assert result.errors[0].extensions["code"] in {"NOT_AUTHENTICATED", "NOT_PERMITTED"}
    assert await places.places_taken(int(relay.GlobalID.from_id(order).node_id)) == 0


async def test_organization_orders_cost_the_same_statements_for_1_and_30_orders() -> None:
    await make_centers()
    who = await people()
    organization_id, _, members = await organization_with_members(1)
    for i in range(30):
        order_id = await huicheng_order(
            who["resident"], hours_from_now=2 + 3 * i, length=1, volunteers_needed=3
        )
        await assignments.assign(who["dispatcher"], order_id, [], organization_id)
        if i % 2 == 0:  # the first page's order too: both pages load volunteers
            await places.take_place(members[0][0], order_id)
    counts = []
    for first in (1, 30):
        with count_statements() as counter:
            data = await data_of(OFFERED, {"first": first}, members[0][0])
        assert len(data["organizationOrders"]["edges"]) == first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts


async def test_n_plus_5_members_taking_places_at_once_make_exactly_n(backend: Backend) -> None:
    if not backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    await make_centers()
    who = await people()
    organization_id, _, members = await organization_with_members(8)
    order_id = await order_for_organization(who, organization_id, 3)
    results = await asyncio.gather(
        *(places.take_place(m, order_id) for m, _ in members), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, OrderAssignment)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 3 and len(losers) == 5, results
    assert {DispatchErrorCode(e.problems[0].code) for e in losers} == {DispatchErrorCode.ORDER_FULL}
    assert await places.places_taken(order_id) == 3
    assert len({w.volunteer_id for w in winners}) == 3
    assert await Event.filter(type="ASSIGNMENT_ACCEPTED").count() == 3
