"""The confirmation queue and bulk confirmation, through the schema: who sees which pending
records (on every path: the queue, `node`), partial success with a coded refusal per record,
every record counted once however often and however concurrently it is confirmed, and the
queue's statements not growing with its page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role, User
from models.activities import ActivitySession, SignUp
from models.dispatch import RecordStatus, ServiceRecord
from models.timebank import Transfer
from models.volunteers import Volunteer
from services import accounts
from services.activities import attendance, sign_ups
from services.common.presence import Proof
from services.common.principal import ANONYMOUS, Principal
from services.dispatch import assignments, service_records
from services.timebank.accounts import volunteer_account
from tests.activities.support import (
    CLINIC_LAT,
    CLINIC_LNG,
    first_position,
    first_session,
    published,
)
from tests.activities.support import organiser as make_organiser
from tests.conftest import Backend
from tests.dispatch.support import assigned_order, attend, make_centers, people
from tests.support import count_statements, data_of, error_codes, gql, make_user, make_volunteer

QUEUE = """query ($first: Int, $after: String) {
  pendingServiceRecords(first: $first, after: $after) {
    totalCount edges { node { id status hours flags orderId signUpId } }
  }
}"""
NODE = "query ($id: ID!) { node(id: $id) { ... on ServiceRecord { id hours } } }"
CONFIRM = """mutation ($input: ConfirmServiceRecordsInput!) {
  confirmServiceRecords(input: $input) {
    confirmed { id status } refused { record error { code } } errors { code }
  }
}"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def refreshed(principal: Principal) -> Principal:
    assert principal.user_id is not None
    return accounts.principal_for(await User.get(id=principal.user_id))


async def activity_record(admin: Principal, organization: int, username: str) -> ServiceRecord:
    """A volunteer's pending record of a session attended on site."""
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    _, volunteer, _ = await make_volunteer(username)
    seat = await sign_ups.sign_up(volunteer, session.id, position.id)
    start = datetime.now(UTC) - timedelta(hours=3)
    end = start + timedelta(hours=2)
    await ActivitySession.filter(id=session.id).update(starts_at=start, ends_at=end)
    await SignUp.filter(id=seat.id).update(starts_at=start, ends_at=end)
    here = Proof(lat=CLINIC_LAT, lng=CLINIC_LNG)
    await attendance.check_in(volunteer, seat.id, here, now=start)
    return await attendance.check_out(volunteer, seat.id, here, now=end)


async def world() -> dict[str, Any]:
    await make_centers()
    who = await people()
    admin, organization = await make_organiser("organiser")
    stranger_admin, _ = await make_organiser("other-organiser")
    _, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC) - timedelta(hours=2)
    order_record = await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=1))
    _, city_admin = await make_user("city-admin", Role.ADMIN)
    _, wall = await make_user("wall", Role.WALL_DISPLAY)
    return who | {
        "organiser": await refreshed(admin),
        "organization": organization,
        "other organiser": await refreshed(stranger_admin),
        "admin": city_admin,
        "wall": wall,
        "activity record": await activity_record(admin, organization, "clinic-volunteer"),
        "order record": order_record,
    }


async def queue_of(principal: Principal) -> list[str]:
    data = await data_of(QUEUE, {"first": 100}, principal)
    return [e["node"]["id"] for e in data["pendingServiceRecords"]["edges"]]


async def test_each_confirmer_sees_the_records_they_decide() -> None:
    w = await world()
    activity = gid("ServiceRecord", w["activity record"].id)
    order = gid("ServiceRecord", w["order record"].id)
    assert await queue_of(w["organiser"]) == [activity]
    assert await queue_of(w["dispatcher"]) == [order]
    assert await queue_of(w["admin"]) == [order, activity]
    assert await queue_of(w["other organiser"]) == []
    for who, code in (
        (w["volunteer"], "NOT_PERMITTED"),
        (w["resident"], "NOT_PERMITTED"),
        (w["wall"], "NOT_PERMITTED"),
        (ANONYMOUS, "NOT_AUTHENTICATED"),
    ):
        assert error_codes(await gql(QUEUE, {}, who)) == [code]
    # The same on the `node` path: the organisers read their activity's record, others not.
    seen = await data_of(NODE, {"id": activity}, w["organiser"])
    assert seen["node"] == {"id": activity, "hours": "2.00"}
    for who in (w["other organiser"], w["resident"]):
        assert (await gql(NODE, {"id": activity}, who)).data == {"node": None}
    assert error_codes(await gql(NODE, {"id": activity}, w["wall"])) == ["NOT_PERMITTED"]


async def test_bulk_confirmation_is_partial_with_each_refusal_coded_and_counts_once() -> None:
    w = await world()
    activity = gid("ServiceRecord", w["activity record"].id)
    order = gid("ServiceRecord", w["order record"].id)
    volunteer_id = w["activity record"].volunteer_id
    before = await volunteer_account(volunteer_id)
    names = [activity, order, gid("ServiceRecord", 999_999), activity]
    result = await data_of(CONFIRM, {"input": {"records": names}}, w["organiser"])
    done = result["confirmServiceRecords"]
    assert done["confirmed"] == [{"id": activity, "status": "CONFIRMED"}]
    assert done["refused"] == [
        {"record": order, "error": {"code": "NOT_DECIDER"}},
        {"record": gid("ServiceRecord", 999_999), "error": {"code": "RECORD_NOT_FOUND"}},
    ]
    again = await data_of(CONFIRM, {"input": {"records": [activity]}}, w["organiser"])
    assert again["confirmServiceRecords"]["refused"] == [
        {"record": activity, "error": {"code": "RECORD_ALREADY_DECIDED"}}
    ]
    assert (await Volunteer.get(id=volunteer_id)).total_hours == Decimal("2.00")
    after = await volunteer_account(volunteer_id)
    assert after.balance - before.balance == Decimal("2.00")
    assert await Transfer.filter(service_record_id=w["activity record"].id).count() == 1
    assert await queue_of(w["organiser"]) == []
    for who, code in ((w["volunteer"], "NOT_PERMITTED"), (ANONYMOUS, "NOT_AUTHENTICATED")):
        denied = await gql(CONFIRM, {"input": {"records": [order]}}, who)
        assert error_codes(denied) == [code]
    assert (await ServiceRecord.get(id=w["order record"].id)).status == RecordStatus.PENDING


async def test_a_dispatcher_may_not_confirm_an_activity_record() -> None:
    w = await world()
    activity = gid("ServiceRecord", w["activity record"].id)
    theirs = await data_of(CONFIRM, {"input": {"records": [activity]}}, w["dispatcher"])
    assert theirs["confirmServiceRecords"]["refused"] == [
        {"record": activity, "error": {"code": "NOT_DECIDER"}}
    ]
    too_many = [activity] * 101
    refused = await data_of(CONFIRM, {"input": {"records": too_many}}, w["organiser"])
    assert refused["confirmServiceRecords"]["errors"] == [{"code": "TOO_MANY_RECORDS"}]
    assert (await ServiceRecord.get(id=w["activity record"].id)).status == RecordStatus.PENDING


async def test_concurrent_bulk_confirmations_count_each_record_once(backend: Backend) -> None:
    if not backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    w = await world()
    record = w["activity record"]
    co_admin = w["admin"]
    results = await asyncio.gather(
        *(
            service_records.confirm_many(who, [record.id])
            for who in (w["organiser"], co_admin, w["organiser"], co_admin)
        )
    )
    assert sum(len(r.confirmed) for r in results) == 1
    assert (await Volunteer.get(id=record.volunteer_id)).total_hours == Decimal("2.00")
    assert await Transfer.filter(service_record_id=record.id).count() == 1


async def test_the_queue_costs_the_same_statements_for_one_row_as_for_a_hundred() -> None:
    admin, organization = await make_organiser("organiser")
    admin = await refreshed(admin)
    _, _, volunteer_id = await make_volunteer("many-hours")
    start = datetime.now(UTC) - timedelta(days=200)
    for n in range(100):
        await ServiceRecord.create(
            volunteer_id=volunteer_id,
            organization_id=organization,
            started_at=start + timedelta(days=n),
            ended_at=start + timedelta(days=n, hours=2),
            hours=Decimal("2.00"),
            flags="|OVERLAPS|" if n % 2 else None,
        )
    counts = []
    for first in (1, 100):
        with count_statements() as counter:
            data = await data_of(QUEUE, {"first": first}, admin)
        assert len(data["pendingServiceRecords"]["edges"]) == first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts
    assert data["pendingServiceRecords"]["totalCount"] == 100
