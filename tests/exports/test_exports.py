"""Exports for the national volunteer system over HTTP: pages that resume from a cursor, changes
since a moment, CSV that the csv module reads, what personal data leaves, and coded errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from strawberry import relay

from api.app import create_app
from models.accounts import Role
from models.volunteers import Skill, Volunteer
from services import accounts, exports, volunteers
from services.common.principal import Scope
from services.dispatch import assignments, service_records
from services.exports import Dataset
from tests.conftest import Backend
from tests.dispatch.support import assignment_of, attend, huicheng_order, make_centers
from tests.support import make_user, make_volunteer

VOLUNTEERS = "/exports/volunteers.jsonl"
RECORDS = "/exports/service-records.jsonl"


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    # Nothing held back as possibly still committing: these tests write, then read at once.
    app = create_app(backend.settings.replace(export_settle_seconds=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


@pytest.fixture
async def key() -> str:
    _, secret = await accounts.create_api_client("全国志愿服务信息系统", [Scope.EXPORT])
    return secret


async def get(http: httpx.AsyncClient, path: str, key: str | None, **params: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return await http.get(path, params=params, headers=headers)


def lines(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def database_id(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def registered(count: int) -> list[int]:
    ids = []
    for n in range(count):
        _, _, volunteer_id = await make_volunteer(f"export.{n}", real_name=f"志愿者{n}")
        ids.append(volunteer_id)
    return ids


async def test_a_sync_resumed_from_its_cursor_gets_exactly_the_rest(
    http: httpx.AsyncClient, key: str
) -> None:
    # given five volunteers
    ids = await registered(5)

    # when a sync reads pages of two, each from the cursor of the one before
    pages = [await get(http, VOLUNTEERS, key, limit=2)]
    while pages[-1].headers["x-has-more"] == "true":
        pages.append(
            await get(http, VOLUNTEERS, key, limit=2, cursor=pages[-1].headers["x-next-cursor"])
        )

    # then it got every volunteer once, in order, in three pages
    assert [len(lines(p)) for p in pages] == [2, 2, 1]
    assert [database_id(row["id"]) for p in pages for row in lines(p)] == ids
    assert 'rel="next"' in pages[0].headers["link"] and "link" not in pages[-1].headers
    assert pages[0].headers["content-type"] == "application/x-ndjson"


async def test_the_last_cursor_of_a_sync_brings_only_what_changed_since(
    http: httpx.AsyncClient, key: str
) -> None:
    # given a finished sync of three volunteers
    ids = await registered(3)
    done = await get(http, VOLUNTEERS, key)
    assert len(lines(done)) == 3 and done.headers["x-has-more"] == "false"
    checkpoint = done.headers["x-next-cursor"]
    moment = datetime.now(UTC)

    # when one of them changes their skills, and someone new registers
    _, owner = await make_user("export.admin", Role.ADMIN)
    await volunteers.update_profile(
        owner, ids[0], volunteers.ProfileChanges(skills=[Skill.MEDICAL])
    )
    _, _, newcomer = await make_volunteer("export.new", real_name="新人")

    # then the next sync from the checkpoint, or since the moment, has exactly those two
    for response in (
        await get(http, VOLUNTEERS, key, cursor=checkpoint),
        await get(http, VOLUNTEERS, key, since=moment.isoformat()),
    ):
        rows = lines(response)
        assert [database_id(row["id"]) for row in rows] == [ids[0], newcomer]
        assert rows[0]["skills"] == ["MEDICAL"]


async def test_what_a_volunteer_row_carries_and_what_it_never_does(
    http: httpx.AsyncClient, key: str
) -> None:
    _, _, volunteer_id = await make_volunteer(
        "export.private", real_name="王小明", phone="13912345678", home_lat=23.1, home_lng=114.4
    )
    stored = await Volunteer.get(id=volunteer_id)

    [row] = lines(await get(http, VOLUNTEERS, key))

    # What real-name registration needs, including the full ID number...
    assert row["realName"] == "王小明"
    assert row["idNumber"] == stored.id_number
    assert row["volunteerNumber"] == stored.volunteer_number
    assert row["district"] == "HUICHENG"
    assert row["status"] == "ACTIVE" and row["totalHours"] == "0.00"
    assert datetime.fromisoformat(row["updatedAt"]).tzinfo is not None
    # ...and no phone number or home location, under any name.
    assert "13912345678" not in json.dumps(row)
    assert not {"phone", "homeLat", "homeLng", "home"} & set(row)


async def test_the_csv_reads_back_with_the_csv_module(http: httpx.AsyncClient, key: str) -> None:
    _, _, first = await make_volunteer(
        "export.csv1", real_name="李, 四", skills=[Skill.DRIVING, Skill.FIRST_AID]
    )
    await make_volunteer("export.csv2", real_name='张 "三"')

    response = await get(http, "/exports/volunteers.csv", key)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["realName"] for r in rows] == ["李, 四", '张 "三"']
    assert database_id(rows[0]["id"]) == first
    assert rows[0]["skills"] == "DRIVING;FIRST_AID"
    assert list(rows[0]) == [
        "id",
        "realName",
        "idNumber",
        "gender",
        "birthDate",
        "district",
        "community",
        "skills",
        "status",
        "registeredAt",
        "totalHours",
        "updatedAt",
        "volunteerNumber",
    ]


async def confirmed_records(hours: list[int]) -> list[int]:
    """One volunteer's service, confirmed, one order per item; and one more left pending."""
    await make_centers()
    _, resident = await make_user("export.resident", Role.RESIDENT)
    _, dispatcher = await make_user("export.dispatcher", Role.DISPATCHER)
    _, volunteer, volunteer_id = await make_volunteer("export.server")
    ids = []
    for n, length in enumerate([*hours, 1]):
        order_id = await huicheng_order(resident, hours_from_now=2 + 6 * n, length=5)
        await assignments.assign(dispatcher, order_id, [volunteer_id])
        assignment_id = await assignment_of(order_id, volunteer_id)
        await assignments.accept(volunteer, assignment_id)
        start = datetime.now(UTC)
        record = await attend(volunteer, assignment_id, start, start + timedelta(hours=length))
        if n < len(hours):
            await service_records.confirm(dispatcher, record.id)
            ids.append(record.id)
    return ids


async def test_service_records_are_the_confirmed_ones_in_confirmation_order(
    http: httpx.AsyncClient, key: str
) -> None:
    # given three confirmed records and a pending one
    confirmed = await confirmed_records([2, 3, 4])

    # when they are read a page of two at a time
    first = await get(http, RECORDS, key, limit=2)
    rest = await get(http, RECORDS, key, limit=2, cursor=first.headers["x-next-cursor"])

    # then the confirmed ones come, once each, with their hours; the pending one does not
    rows = lines(first) + lines(rest)
    assert [database_id(r["id"]) for r in rows] == confirmed
    assert [r["hours"] for r in rows] == ["2.00", "3.00", "4.00"]
    assert rest.headers["x-has-more"] == "false"
    assert set(rows[0]) == {
        "id",
        "volunteerId",
        "orderId",
        "category",
        "district",
        "startedAt",
        "endedAt",
        "hours",
        "confirmedAt",
        "volunteerNumber",
    }
    assert rows[0]["category"] == "ELDERLY_CARE" and rows[0]["district"] == "HUICHENG"
    assert len(rows[0]["volunteerNumber"]) == 20


async def test_bad_parameters_are_a_400_with_every_problem_coded(
    http: httpx.AsyncClient, key: str
) -> None:
    await registered(1)
    volunteers_cursor = (await get(http, VOLUNTEERS, key)).headers["x-next-cursor"]

    bad = await get(http, VOLUNTEERS, key, cursor="not-a-cursor", since="yesterday", limit=0)
    naive = await get(http, VOLUNTEERS, key, since="2026-01-01T00:00:00")
    other_dataset = await get(http, RECORDS, key, cursor=volunteers_cursor)

    assert bad.status_code == naive.status_code == other_dataset.status_code == 400
    problems = [(e["extensions"]["code"], e["extensions"]["field"]) for e in bad.json()["errors"]]
    assert sorted(problems) == [
        ("INVALID_CURSOR", "cursor"),
        ("INVALID_LIMIT", "limit"),
        ("INVALID_SINCE", "since"),
    ]
    assert naive.json()["errors"][0]["extensions"]["code"] == "INVALID_SINCE"
    assert other_dataset.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_only_an_app_with_the_export_scope_may_export(http: httpx.AsyncClient) -> None:
    await registered(1)
    _, reader = await accounts.create_api_client("reader", [Scope.READ, Scope.PERSONAL_DATA])
    await make_user("export.boss", Role.ADMIN)
    admin = (await accounts.login("export.boss", "correct-horse-9")).access_token

    anonymous = await get(http, VOLUNTEERS, None)
    answers = [await get(http, VOLUNTEERS, token) for token in (reader, admin)]

    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert [a.status_code for a in answers] == [403, 403]
    assert {a.json()["errors"][0]["extensions"]["code"] for a in answers} == {"NOT_PERMITTED"}
    assert (await get(http, "/exports/donations.csv", None)).status_code == 404


async def test_a_page_is_read_in_batches_and_nothing_is_lost_between_them() -> None:
    ids = await registered(5)
    horizon = datetime.now(UTC)
    window = await exports.plan(Dataset.VOLUNTEERS, None, None, 4, horizon)

    rows = [row async for row in exports.rows(window, batch=2)]

    assert [row["id"] for row in rows] == ids[:4] and window.has_more


async def test_rows_changed_in_the_last_seconds_wait_for_the_next_sync(
    backend: Backend, key: str
) -> None:
    # given a server that holds back the last minute (a transaction may still be committing)
    app = create_app(backend.settings.replace(export_settle_seconds=60))
    await registered(1)

    # when a sync runs at once
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        response = await get(client, VOLUNTEERS, key)

    # then the new row is not in it yet, and the sync has no cursor to move past it
    assert lines(response) == [] and "x-next-cursor" not in response.headers
