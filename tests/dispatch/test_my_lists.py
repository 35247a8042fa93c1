"""A volunteer's and a requester's own pages: myAssignments, myServiceRecords and myOrders, each
assignment and record with its order (and an assignment with its organisation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from models.dispatch import OrderAssignment, ServiceRecord
from services.dispatch import assignments
from tests.dispatch.support import assigned_order, attend, huicheng_order, make_centers, people
from tests.support import (
    count_statements,
    data_of,
    error_codes,
    gql,
    make_organization,
    make_user,
    make_volunteer,
)

MINE = """query ($first: Int) {
  myOrders(first: $first) { totalCount nodes { id status } }
  myAssignments(first: $first) {
    totalCount
    nodes { id status order { id status } organization { name } }
  }
  myServiceRecords(first: $first) {
    totalCount
    edges { cursor node { id status hours order { id category } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _served(who: dict[str, Any]) -> tuple[str, str]:
    order_id, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=2))
    return gid("ServiceOrder", order_id), gid("OrderAssignment", assignment_id)


def gid(type_name: str, pk: int) -> str:
    from strawberry.relay import to_base64

    return to_base64(type_name, pk)


async def test_each_person_sees_their_own_orders_assignments_and_records() -> None:
    # given a resident's order served by a volunteer, and an order waiting for nobody
    await make_centers()
    who = await people()
    order, assignment = await _served(who)
    waiting = gid("ServiceOrder", await huicheng_order(who["resident"], hours_from_now=30))
    _, stranger, _ = await make_volunteer("stranger")

    # when each asks for their own lists
    resident = await data_of(MINE, {}, who["resident"])
    volunteer = await data_of(MINE, {}, who["volunteer"])
    other = await data_of(MINE, {}, stranger)

    # then the resident has their two orders and served nobody
    assert [o["id"] for o in resident["myOrders"]["nodes"]] == [order, waiting]
    assert (
        resident["myAssignments"]["totalCount"] == resident["myServiceRecords"]["totalCount"] == 0
    )
    # and the volunteer has the assignment and the record, each with its order
    assert volunteer["myOrders"]["totalCount"] == 0
    assert volunteer["myAssignments"]["nodes"] == [
        {
            "id": assignment,
            "status": "CHECKED_OUT",
            "order": {"id": order, "status": "COMPLETED"},
            "organization": None,
        }
    ]
    (record,) = volunteer["myServiceRecords"]["edges"]
    assert record["node"]["hours"] == "2.00" and record["node"]["status"] == "PENDING"
    assert record["node"]["order"] == {"id": order, "category": "ELDERLY_CARE"}
    # and someone else sees none of it
    assert [other[k]["totalCount"] for k in other] == [0, 0, 0]


async def test_an_assignment_held_by_an_organisation_names_it() -> None:
    await make_centers()
    who = await people()
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder, "惠城区好人志愿服务队")
    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [], organization_id)
    held = await OrderAssignment.get(order_id=order_id)

    query = """query ($id: ID!) { node(id: $id) { ... on OrderAssignment {
      organization { name } volunteer { id } order { id } } } }"""
    seen = await data_of(query, {"id": gid("OrderAssignment", held.id)}, who["dispatcher"])

    assert seen["node"] == {
        "organization": {"name": "惠城区好人志愿服务队"},
        "volunteer": None,
        "order": {"id": gid("ServiceOrder", order_id)},
    }


async def test_the_lists_need_a_sign_in() -> None:
    for field in ("myOrders", "myAssignments", "myServiceRecords"):
        result = await gql(f"{{ {field} {{ totalCount }} }}")
        assert error_codes(result) == ["NOT_AUTHENTICATED"]


async def test_the_own_lists_cost_the_same_statements_for_1_and_30_rows() -> None:
    # given a volunteer with 30 assignments and records, of 30 orders of one resident
    await make_centers()
    who = await people()
    for i in range(30):
        order_id = await huicheng_order(who["resident"], hours_from_now=2 + 3 * i, length=1)
        await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
        held = await OrderAssignment.get(order_id=order_id)
        now = datetime.now(UTC)
        await ServiceRecord.create(
            assignment_id=held.id,
            order_id=order_id,
            volunteer_id=who["volunteer_id"],
            started_at=now,
            ended_at=now + timedelta(hours=1),
            hours=Decimal("1.00"),
        )

    counts = []
    for first in (1, 30):
        for principal in (who["volunteer"], who["resident"]):
            with count_statements() as counter:
                data = await data_of(MINE, {"first": first}, principal)
            counts.append((principal is who["volunteer"], first, len(counter.statements)))
            if principal is who["volunteer"]:
                assert len(data["myServiceRecords"]["edges"]) == first
                assert len(data["myAssignments"]["nodes"]) == first
            else:
                assert len(data["myOrders"]["nodes"]) == first

    by_person = {(v, f): n for v, f, n in counts}
    assert by_person[(True, 1)] == by_person[(True, 30)], counts
    assert by_person[(False, 1)] == by_person[(False, 30)], counts


async def test_the_order_list_filters_by_volunteer_and_requester_within_what_you_see() -> None:
    # given two residents' orders, one served by the volunteer
    await make_centers()
    who = await people()
    neighbour_user, neighbour = await make_user("neighbour")
    served, _ = await assigned_order(who)
    other = await huicheng_order(neighbour, hours_from_now=30)
    volunteer = gid("Volunteer", who["volunteer_id"])
    listed = "query ($filter: OrderFilter) { orders(filter: $filter) { nodes { id } } }"

    def ids(data: dict[str, Any]) -> list[str]:
        return [n["id"] for n in data["orders"]["nodes"]]

    # when staff filter by the volunteer and by the neighbour
    by_volunteer = await data_of(listed, {"filter": {"volunteer": volunteer}}, who["dispatcher"])
    by_requester = await data_of(
        listed, {"filter": {"requester": gid("User", neighbour_user.id)}}, who["dispatcher"]
    )
    # and the neighbour filters by the volunteer, who served none of their orders
    theirs = await data_of(listed, {"filter": {"volunteer": volunteer}}, neighbour)

    # then each filter narrows, and never shows an order the caller may not see
    assert ids(by_volunteer) == [gid("ServiceOrder", served)]
    assert ids(by_requester) == [gid("ServiceOrder", other)]
    assert ids(theirs) == []
