"""Administering dispatch centres: every change an administrator makes is checked, takes effect
(turning `autoAssign` off on Huicheng's centre stops automatic assignment) and is in the audit
log with before → after."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.audit import AuditEntry
from models.dispatch import CenterCoverage, DispatchCenter, OrderStatus, ServiceOrder
from models.geography import Community, District
from services import geography
from services.common.principal import Principal
from tests.dispatch.support import huicheng_order, people
from tests.support import count_statements, data_of, error_codes, gql, make_user

UPDATE = """
mutation ($input: UpdateDispatchCenterInput!) {
  updateDispatchCenter(input: $input) {
    dispatchCenter {
      id name level autoAssign escalateAfterMinutes parent { name }
      coveredDistricts { code } coveredCommunities { name }
    }
    errors { code field message }
  }
}"""
CREATE = """
mutation ($input: CreateDispatchCenterInput!) {
  createDispatchCenter(input: $input) {
    dispatchCenter { id name level autoAssign parent { name } coveredCommunities { name } }
    errors { code field }
  }
}"""
HUICHENG = "惠城区志愿服务调度中心"
CITY = "惠州市志愿服务调度中心"


def gid(kind: str, key: int) -> str:
    return str(relay.GlobalID(kind, str(key)))


@pytest.fixture
async def admin() -> Principal:
    await geography.bootstrap(geography.default_reference())
    _, principal = await make_user("city.admin", Role.ADMIN)
    return principal


async def _center(name: str) -> DispatchCenter:
    return await DispatchCenter.get(name=name)


async def _update(admin: Principal, center: DispatchCenter, **changes: Any) -> dict[str, Any]:
    data = await data_of(
        UPDATE, {"input": {"dispatchCenter": gid("DispatchCenter", center.id), **changes}}, admin
    )
    result: dict[str, Any] = data["updateDispatchCenter"]
    return result


async def test_turning_auto_assign_off_on_huicheng_stops_automatic_assignment(
    admin: Principal,
) -> None:
    # given Huicheng's centre assigning by itself, as in the demo, and a free volunteer
    huicheng = await _center(HUICHENG)
    await DispatchCenter.filter(id=huicheng.id).update(auto_assign=True)
    who = await people()
    first = await ServiceOrder.get(id=await huicheng_order(who["resident"]))
    assert first.status == OrderStatus.ASSIGNED

    # when an administrator turns it off
    result = await _update(admin, huicheng, autoAssign=False)
    assert result["errors"] == []
    assert result["dispatchCenter"]["autoAssign"] is False

    # then the next order waits for a dispatcher
    later = await ServiceOrder.get(id=await huicheng_order(who["resident"], hours_from_now=8))
    assert later.status == OrderStatus.SUBMITTED
    entry = await AuditEntry.get(object_type="DispatchCenter", object_id=huicheng.id)
    assert entry.action == "updateDispatchCenter"
    assert (entry.before or {})["auto_assign"] is True
    assert (entry.after or {})["auto_assign"] is False
    assert entry.actor_label == "city.admin"


async def test_every_field_changes_and_the_entry_holds_before_and_after(admin: Principal) -> None:
    huicheng = await _center(HUICHENG)
    district = await District.get(code="HUICHENG")
    boluo = await District.get(code="BOLUO")
    community = await Community.filter(district_id=district.id).order_by("id").first()
    assert community is not None

    result = await _update(
        admin,
        huicheng,
        name="惠城区调度中心",
        escalateAfterMinutes=45,
        districts=[gid("District", district.id), gid("District", boluo.id)],
        communities=[gid("Community", community.id)],
    )

    assert result["errors"] == []
    shown = result["dispatchCenter"]
    assert (shown["name"], shown["escalateAfterMinutes"]) == ("惠城区调度中心", 45)
    assert sorted(d["code"] for d in shown["coveredDistricts"]) == ["BOLUO", "HUICHENG"]
    assert shown["coveredCommunities"] == [{"name": community.name}]
    entry = await AuditEntry.get(object_id=huicheng.id, object_type="DispatchCenter")
    assert entry.before == {
        "name": HUICHENG,
        "level": "DISTRICT",
        "parent_id": (await _center(CITY)).id,
        "auto_assign": False,
        "escalate_after_minutes": huicheng.escalate_after_minutes,
        "districts": [district.id],
        "communities": [],
    }
    assert entry.after is not None
    assert entry.after["name"] == "惠城区调度中心"
    assert entry.after["escalate_after_minutes"] == 45
    assert entry.after["districts"] == sorted([district.id, boluo.id])
    assert entry.after["communities"] == [community.id]


async def test_a_change_to_nothing_new_records_nothing(admin: Principal) -> None:
    huicheng = await _center(HUICHENG)
    result = await _update(admin, huicheng, autoAssign=huicheng.auto_assign)
    assert result["errors"] == []
    assert await AuditEntry.all().count() == 0


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"name": " "}, ["INVALID_NAME"]),
        ({"name": "惠阳区志愿服务调度中心"}, ["DUPLICATE_NAME"]),
        ({"escalateAfterMinutes": 0}, ["INVALID_ESCALATION"]),
        ({"escalateAfterMinutes": 7 * 24 * 60 + 1}, ["INVALID_ESCALATION"]),
        ({"parent": None}, ["INVALID_PARENT"]),
        ({"level": "CITY", "parent": None}, ["INVALID_LEVEL"]),
        ({"parent": gid("DispatchCenter", 9999)}, ["CENTER_NOT_FOUND"]),
        ({"parent": gid("District", 1)}, ["CENTER_NOT_FOUND"]),
        ({"districts": [gid("District", 9999)]}, ["UNKNOWN_DISTRICT"]),
        ({"communities": [gid("Station", 1)]}, ["UNKNOWN_COMMUNITY"]),
        ({"name": "", "escalateAfterMinutes": -5}, ["INVALID_NAME", "INVALID_ESCALATION"]),
    ],
)
async def test_bad_input_is_coded_and_changes_nothing(
    admin: Principal, changes: dict[str, Any], codes: list[str]
) -> None:
    huicheng = await _center(HUICHENG)
    coverage = await CenterCoverage.filter(center_id=huicheng.id).count()

    result = await _update(admin, huicheng, **changes)

    assert [e["code"] for e in result["errors"]] == codes
    assert result["dispatchCenter"] is None
    fresh = await _center(HUICHENG)
    assert (fresh.name, fresh.parent_id, fresh.escalate_after_minutes, fresh.level) == (
        huicheng.name,
        huicheng.parent_id,
        huicheng.escalate_after_minutes,
        huicheng.level,
    )
    assert await CenterCoverage.filter(center_id=huicheng.id).count() == coverage
    assert await AuditEntry.all().count() == 0


async def test_the_tree_cannot_loop_or_invert(admin: Principal) -> None:
    city = await _center(CITY)
    huicheng = await _center(HUICHENG)
    street = await data_of(
        CREATE,
        {
            "input": {
                "name": "江北街道调度站",
                "level": "STREET",
                "parent": gid("DispatchCenter", huicheng.id),
            }
        },
        admin,
    )
    street_id = relay.GlobalID.from_id(street["createDispatchCenter"]["dispatchCenter"]["id"])

    below_child = await _update(admin, huicheng, parent=str(street_id))
    assert [e["code"] for e in below_child["errors"]] == ["INVALID_PARENT"]
    itself = await _update(admin, huicheng, parent=gid("DispatchCenter", huicheng.id))
    assert [e["code"] for e in itself["errors"]] == ["INVALID_PARENT"]
    # A district centre may not turn STREET while a street centre sits below it.
    inverted = await _update(admin, huicheng, level="STREET")
    assert [e["code"] for e in inverted["errors"]] == ["INVALID_LEVEL"]
    city_below = await _update(admin, city, parent=gid("DispatchCenter", huicheng.id))
    assert [e["code"] for e in city_below["errors"]] == ["INVALID_PARENT"]


async def test_a_new_centre_is_created_and_recorded(admin: Principal) -> None:
    huicheng = await _center(HUICHENG)
    district = await District.get(code="HUICHENG")
    community = await Community.filter(district_id=district.id).order_by("id").first()
    assert community is not None

    data = await data_of(
        CREATE,
        {
            "input": {
                "name": "江北街道调度站",
                "level": "STREET",
                "parent": gid("DispatchCenter", huicheng.id),
                "autoAssign": True,
                "communities": [gid("Community", community.id)],
            }
        },
        admin,
    )

    created = data["createDispatchCenter"]
    assert created["errors"] == []
    assert created["dispatchCenter"]["parent"] == {"name": HUICHENG}
    assert created["dispatchCenter"]["coveredCommunities"] == [{"name": community.name}]
    entry = await AuditEntry.get(action="createDispatchCenter")
    assert entry.before is None
    assert entry.after is not None
    assert (entry.after["name"], entry.after["auto_assign"]) == ("江北街道调度站", True)
    # The street centre now takes the community's orders: it is the most local.
    who = await people()
    order = await ServiceOrder.get(
        id=await huicheng_order(who["resident"], community_id=community.id)
    )
    new_id = relay.GlobalID.from_id(created["dispatchCenter"]["id"]).node_id
    assert order.dispatch_center_id == int(new_id)


async def test_a_second_city_centre_is_refused(admin: Principal) -> None:
    result = await gql(CREATE, {"input": {"name": "第二市中心", "level": "CITY"}}, admin)
    assert result.errors is None and result.data is not None
    assert [e["code"] for e in result.data["createDispatchCenter"]["errors"]] == ["INVALID_LEVEL"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_an_administrator_edits_centres(admin: Principal, role: Role) -> None:
    huicheng = await _center(HUICHENG)
    _, someone = await make_user("someone", role)
    variables = {
        "input": {"dispatchCenter": gid("DispatchCenter", huicheng.id), "autoAssign": True}
    }
    assert error_codes(await gql(UPDATE, variables, someone)) == ["NOT_PERMITTED"]
    create = {"input": {"name": "x", "level": "STREET"}}
    assert error_codes(await gql(CREATE, create, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(UPDATE, variables)) == ["NOT_AUTHENTICATED"]
    assert not (await _center(HUICHENG)).auto_assign


async def test_the_centres_coverage_costs_the_same_statements_for_1_and_8_centres(
    admin: Principal,
) -> None:
    document = "{ dispatchCenters { name coveredDistricts { code } coveredCommunities { name } } }"
    with count_statements() as all_centres:
        data = await data_of(document, principal=admin)
    assert len(data["dispatchCenters"]) == 8
    await DispatchCenter.exclude(name__in=[CITY, HUICHENG]).delete()
    with count_statements() as two:
        data = await data_of(document, principal=admin)
    assert len(data["dispatchCenters"]) == 2
    assert len(all_centres.statements) == len(two.statements)
