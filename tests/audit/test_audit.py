"""The audit log: an entry commits with its change or not at all; `auditLog` pages and filters
it for administrators only; the CSV export carries the same filter."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from strawberry import relay
from tortoise.transactions import in_transaction

from api.app import create_app
from models.accounts import Role, User
from models.audit import AuditEntry
from models.geography import District
from services import accounts, audit
from services.common.requests import request_id
from tests.conftest import Backend
from tests.support import count_statements, data_of, error_codes, gql, make_user

LOG = """
query ($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action objectType objectId actorLabel requestId createdAt beforeJson afterJson
      actor { username }
      changes { field before after }
    }
  }
}"""


class Boom(Exception):
    pass


async def _entry(actor: User | None, object_id: int, **changes: object) -> AuditEntry:
    async with in_transaction():
        return await audit.record(
            actor=actor,
            action="updateDistrict",
            object_type="District",
            object_id=object_id,
            before={"population": 100, "name": "A"},
            after={"population": 200, "name": "A", **changes},
        )


async def test_an_entry_rolls_back_with_the_change_it_records() -> None:
    district = await District.all().first()
    assert district is not None

    with pytest.raises(Boom):
        async with in_transaction():
            district.population = 1
            await district.save(update_fields=["population"])
            await audit.record(
                actor=None,
                action="updateDistrict",
                object_type="District",
                object_id=district.id,
                before={"population": 0},
                after={"population": 1},
                actor_label="cli:test",
            )
            raise Boom

    assert await AuditEntry.all().count() == 0
    assert (await District.get(id=district.id)).population != 1


async def test_an_entry_names_its_actor_and_request() -> None:
    user, _ = await make_user("wang.admin", Role.ADMIN)
    token = request_id.set("req-42")
    try:
        entry = await _entry(user, 7)
    finally:
        request_id.reset(token)
    assert (entry.actor_id, entry.actor_label) == (user.id, "wang.admin")
    assert entry.request_id == "req-42"
    cli = await _entry(None, 7)
    assert (cli.actor_id, cli.request_id) == (None, "")


async def test_the_log_shows_who_changed_what_before_and_after() -> None:
    user, admin = await make_user("wang.admin", Role.ADMIN)
    await _entry(user, 7)

    data = await data_of(LOG, principal=admin)

    (node,) = data["auditLog"]["nodes"]
    assert node["action"] == "updateDistrict"
    assert node["objectType"] == "District"
    assert node["objectId"] == str(relay.GlobalID("District", "7"))
    assert node["actor"] == {"username": "wang.admin"}
    # Only the field that changed, its values as JSON text.
    assert node["changes"] == [{"field": "population", "before": "100", "after": "200"}]
    assert json.loads(node["beforeJson"]) == {"population": 100, "name": "A"}


async def test_a_creation_lists_every_field() -> None:
    _, admin = await make_user("wang.admin", Role.ADMIN)
    async with in_transaction():
        await audit.record(
            actor=None,
            action="createStation",
            object_type="Station",
            object_id=3,
            before=None,
            after={"name": "站", "lat": 23.1},
            actor_label="cli:li",
        )
    (node,) = (await data_of(LOG, principal=admin))["auditLog"]["nodes"]
    assert node["changes"] == [
        {"field": "lat", "before": None, "after": "23.1"},
        {"field": "name", "before": None, "after": '"站"'},
    ]
    assert (node["actor"], node["actorLabel"], node["beforeJson"]) == (None, "cli:li", None)


async def test_the_log_filters_by_object_actor_and_time() -> None:
    first, admin = await make_user("wang.admin", Role.ADMIN)
    second, _ = await make_user("li.admin", Role.ADMIN)
    await _entry(first, 7)
    await _entry(second, 7)
    await _entry(first, 8)
    older = await _entry(first, 9)
    await AuditEntry.filter(id=older.id).update(created_at=datetime.now(UTC) - timedelta(days=10))

    async def ids(**filter: object) -> list[str]:
        data = await data_of(LOG, {"filter": filter}, admin)
        nodes = data["auditLog"]["nodes"]
        return [relay.GlobalID.from_id(n["objectId"]).node_id for n in nodes]

    def gid(kind: str, key: int) -> str:
        return str(relay.GlobalID(kind, str(key)))

    assert len(await ids()) == 4
    assert await ids(objectId=gid("District", 7)) == ["7", "7"]
    assert await ids(objectType="Station") == []
    assert len(await ids(actor=gid("User", second.id))) == 1
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    assert len(await ids(**{"from": week_ago})) == 3
    assert len(await ids(to=week_ago)) == 1


@pytest.mark.parametrize(
    ("filter", "code"),
    [
        ({"objectId": str(relay.GlobalID("District", "x"))}, "INVALID_ID"),
        (
            {"objectType": "Station", "objectId": str(relay.GlobalID("District", "1"))},
            "INVALID_OBJECT_ID",
        ),
        ({"actor": str(relay.GlobalID("District", "1"))}, "INVALID_ACTOR"),
        ({"objectType": ""}, "INVALID_OBJECT_TYPE"),
        ({"from": "2026-02-01T00:00Z", "to": "2026-01-01T00:00Z"}, "INVALID_PERIOD"),
    ],
)
async def test_a_bad_filter_is_a_coded_error(filter: dict[str, str], code: str) -> None:
    _, admin = await make_user("wang.admin", Role.ADMIN)
    result = await gql(LOG, {"filter": filter}, admin)
    assert error_codes(result) == [code]


@pytest.mark.parametrize("role", [None, *(r for r in Role if r != Role.ADMIN)])
async def test_only_an_administrator_reads_the_log(role: Role | None) -> None:
    user, admin = await make_user("wang.admin", Role.ADMIN)
    entry = await _entry(user, 7)
    _, someone = await make_user("someone", *([role] if role else []))

    result = await gql(LOG, principal=someone)
    assert error_codes(result) == ["NOT_PERMITTED"]

    node = """query ($id: ID!) { node(id: $id) { ... on AuditEntry { action } } }"""
    entry_id = str(relay.GlobalID("AuditEntry", str(entry.id)))
    # A wall screen may not call `node` at all; everyone else gets null.
    seen = await gql(node, {"id": entry_id}, someone)
    assert seen.errors or seen.data == {"node": None}
    assert (await data_of(node, {"id": entry_id}, admin))["node"] == {"action": "updateDistrict"}


async def test_anonymous_callers_are_asked_to_sign_in() -> None:
    assert error_codes(await gql(LOG)) == ["NOT_AUTHENTICATED"]


async def test_the_log_costs_the_same_statements_for_1_and_100_rows() -> None:
    users = [(await make_user(f"admin{n}", Role.ADMIN))[0] for n in range(3)]
    admin = accounts.principal_for(users[0])
    counts = []
    for rows in (1, 100):
        await AuditEntry.all().delete()
        for n in range(rows):
            await _entry(users[n % 3], n)
        with count_statements() as counter:
            data = await data_of(LOG, {"first": 100}, admin)
        assert len(data["auditLog"]["nodes"]) == rows
        counts.append(len(counter.statements))
    assert counts[0] == counts[1]


async def test_pages_follow_each_other() -> None:
    user, admin = await make_user("wang.admin", Role.ADMIN)
    for n in range(5):
        await _entry(user, n)
    first = (await data_of(LOG, {"first": 3}, admin))["auditLog"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await data_of(LOG, {"first": 3, "after": first["pageInfo"]["endCursor"]}, admin)
    assert [n["objectId"] for n in first["nodes"] + rest["auditLog"]["nodes"]] == [
        str(relay.GlobalID("District", str(n))) for n in range(5)
    ]


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


async def _bearer(username: str) -> dict[str, str]:
    token = (await accounts.login(username, "correct-horse-9")).access_token
    return {"authorization": f"Bearer {token}"}


async def test_the_csv_export_carries_the_filter(http: httpx.AsyncClient) -> None:
    user, _ = await make_user("wang.admin", Role.ADMIN)
    await _entry(user, 7, name="B")
    await _entry(user, 8)
    object_id = str(relay.GlobalID("District", "7"))

    response = await http.get(
        "/exports/audit-log.csv",
        params={"objectId": object_id},
        headers=await _bearer("wang.admin"),
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["objectId"] for r in rows] == [object_id]
    assert rows[0]["actorLabel"] == "wang.admin"
    assert json.loads(rows[0]["after"]) == {"population": 200, "name": "B"}
    assert rows[0]["actorId"] == str(relay.GlobalID("User", str(user.id)))


async def test_the_csv_export_streams_past_one_batch(http: httpx.AsyncClient) -> None:
    user, _ = await make_user("wang.admin", Role.ADMIN)
    async with in_transaction():
        await AuditEntry.bulk_create(
            [
                AuditEntry(action="x", object_type="District", object_id=n, actor=user)
                for n in range(audit.EXPORT_BATCH + 3)
            ]
        )
    response = await http.get("/exports/audit-log.csv", headers=await _bearer("wang.admin"))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == audit.EXPORT_BATCH + 3
    assert len({r["id"] for r in rows}) == len(rows)


async def test_the_csv_export_refuses_others_and_bad_filters(http: httpx.AsyncClient) -> None:
    await make_user("wang.admin", Role.ADMIN)
    await make_user("dispatcher", Role.DISPATCHER)

    anonymous = await http.get("/exports/audit-log.csv")
    assert anonymous.status_code == 401
    refused = await http.get("/exports/audit-log.csv", headers=await _bearer("dispatcher"))
    assert refused.status_code == 403
    bad = await http.get(
        "/exports/audit-log.csv",
        params={"from": "yesterday", "actor": "nonsense"},
        headers=await _bearer("wang.admin"),
    )
    assert bad.status_code == 400
    assert sorted(e["extensions"]["code"] for e in bad.json()["errors"]) == [
        "INVALID_ACTOR",
        "INVALID_PERIOD",
    ]
