"""`volunteer-city admin station ...` in its own process: the API's checks and coded errors,
exit 1 on bad input, each change audited as `cli:<login>`."""

from __future__ import annotations

import getpass

import pytest

from models.audit import AuditEntry
from models.geography import Community, District
from models.stations import Station
from services import geography
from tests.api.test_admin_cli import _run
from tests.conftest import Backend
from tests.support import count_statements

NAME = "江北街道学雷锋志愿服务点"


@pytest.fixture(autouse=True)
async def reference() -> None:
    await geography.bootstrap(geography.default_reference())


async def test_a_station_is_registered_moved_and_audited(backend: Backend) -> None:
    huicheng = await District.get(code="HUICHENG")
    community = await Community.filter(district_id=huicheng.id).order_by("id").first()
    assert community is not None

    created = _run(
        backend,
        "station",
        "create",
        NAME,
        "--kind",
        "SERVICE_POINT",
        "--district",
        "HUICHENG",
        "--address",
        "惠城区江北文昌一路1号",
        "--lat",
        "23.11",
        "--lng",
        "114.41",
        "--community",
        str(community.id),
        "--service",
        "ELDERLY_CARE",
        "--service",
        "ERRANDS",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    station = await Station.get(name=NAME)
    assert (station.district_id, station.community_id) == (huicheng.id, community.id)

    updated = _run(
        backend,
        "station",
        "update",
        str(station.id),
        "--community",
        "none",
        "--opening-hours",
        "周一至周五 9:00-17:00",
    )
    listed = _run(backend, "station", "list", "--kind", "SERVICE_POINT", "--district", "HUICHENG")

    assert updated.returncode == 0, updated.stdout + updated.stderr
    fresh = await Station.get(id=station.id)
    assert (fresh.community_id, fresh.opening_hours) == (None, "周一至周五 9:00-17:00")
    rows = [row.split() for row in listed.stdout.splitlines()]
    assert rows == [[str(station.id), "SERVICE_POINT", str(huicheng.id), "-", "-", NAME]]
    entries = await AuditEntry.filter(object_type="Station", object_id=station.id).order_by("id")
    assert [(e.action, e.actor_id, e.actor_label) for e in entries] == [
        ("createStation", None, f"cli:{getpass.getuser()}"),
        ("updateStation", None, f"cli:{getpass.getuser()}"),
    ]
    assert (entries[1].before or {})["community_id"] == community.id
    assert (entries[1].after or {})["community_id"] is None


async def test_bad_station_input_is_coded_and_changes_nothing(backend: Backend) -> None:
    refused = _run(
        backend,
        "station",
        "create",
        "X",
        "--kind",
        "SERVICE_POINT",
        "--district",
        "NOWHERE",
        "--address",
        "某路",
        "--lat",
        "39.9",
        "--lng",
        "116.4",
    )
    assert refused.returncode == 1
    for code in ("INVALID_NAME", "UNKNOWN_DISTRICT", "INVALID_LOCATION"):
        assert code in refused.stdout
    unknown = _run(backend, "station", "update", "99999", "--name", "某站点")
    assert unknown.returncode == 1
    assert "STATION_NOT_FOUND" in unknown.stdout
    assert await Station.all().count() == 0
    assert await AuditEntry.all().count() == 0


async def test_the_list_costs_one_statement_and_one_for_the_district() -> None:
    from api.admin_stations import station_rows
    from models.stations import StationKind

    huicheng = await District.get(code="HUICHENG")
    for n in range(3):
        await Station.create(
            kind=StationKind.SERVICE_POINT,
            name=f"测试服务点{n}",
            address="惠城区某路",
            lat=23.11,
            lng=114.41,
            district_id=huicheng.id,
        )

    with count_statements() as counter:
        every = await station_rows(None, None)
    assert len(counter.statements) == 1 and len(every) == 3
    with count_statements() as counter:
        found = await station_rows(StationKind.SERVICE_POINT, "HUICHENG")
    assert len(counter.statements) == 2 and len(found) == 3
