"""Personal data (phone, ID number, birth date, exact home) per role."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from models.accounts import Role
from models.organizations import Membership, MembershipStatus
from services import accounts
from services.common.principal import Principal, Scope
from tests.support import (
    data_of,
    error_codes,
    gql,
    make_organization,
    make_user,
    make_volunteer,
    new_id_number,
)

VOLUNTEER = """
query One($id: ID!) {
  volunteer(id: $id) {
    realName phone idNumber birthDate homeLocation { lat lng } personalDataVisible
  }
}"""
ID_NUMBER = new_id_number("1985-03-09")
FULL = {
    "phone": "13912345678",
    "idNumber": ID_NUMBER,
    "birthDate": "1985-03-09",
    "homeLocation": {"lat": 23.1, "lng": 114.4},
}
MASKED = {
    "phone": "139****5678",
    "idNumber": ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:],
    "birthDate": None,
    "homeLocation": None,
}
DISPATCH = {**MASKED, "phone": FULL["phone"], "homeLocation": FULL["homeLocation"]}
PHONE_ONLY = {**MASKED, "phone": FULL["phone"]}


async def _viewers() -> tuple[str, dict[str, Principal]]:
    _, owner, volunteer_id = await make_volunteer(
        "owner", id_number=ID_NUMBER, phone="13912345678", home_lat=23.1, home_lng=114.4
    )
    # The owner joins an organisation founded by `orgadmin`; `otheradmin` runs another one.
    _, org_admin, _ = await make_volunteer("orgadmin")
    organization_id = await make_organization(org_admin, "本队")
    await Membership.create(
        volunteer_id=volunteer_id,
        organization_id=organization_id,
        status=MembershipStatus.APPROVED,
    )
    _, other_admin, _ = await make_volunteer("otheradmin")
    await make_organization(other_admin, "别队")
    _, fellow, _ = await make_volunteer("fellow")
    viewers = {
        "owner": owner,
        "admin": (await make_user("admin", Role.ADMIN))[1],
        "dispatcher": (await make_user("dispatcher", Role.DISPATCHER))[1],
        "org admin of the volunteer": org_admin,
        "org admin elsewhere": other_admin,
        "another volunteer": fellow,
        "resident": (await make_user("resident"))[1],
        "wall display": (await make_user("wall", Role.WALL_DISPLAY))[1],
    }
    for name, scopes in (("app", [Scope.READ]), ("national cloud", [Scope.PERSONAL_DATA])):
        _, key = await accounts.create_api_client(name, scopes)
        principal = await accounts.authenticate(key)
        assert principal is not None
        viewers[name] = principal
    return to_base64("Volunteer", volunteer_id), viewers


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("owner", FULL),
        ("admin", FULL),
        ("national cloud", FULL),
        ("dispatcher", DISPATCH),
        ("org admin of the volunteer", PHONE_ONLY),
        ("org admin elsewhere", MASKED),
        ("another volunteer", MASKED),
        ("resident", MASKED),
        ("app", MASKED),
    ],
)
async def test_personal_data_is_visible_only_to_those_who_need_it(
    viewer: str, expected: dict[str, object]
) -> None:
    volunteer_id, viewers = await _viewers()
    data = await data_of(VOLUNTEER, {"id": volunteer_id}, viewers[viewer])
    shown = dict(data["volunteer"])
    assert shown.pop("realName") == "陈志愿"
    assert shown.pop("personalDataVisible") == (expected["phone"] == FULL["phone"])
    assert shown == expected


async def test_a_wall_display_does_not_read_the_registry() -> None:
    volunteer_id, viewers = await _viewers()
    result = await gql(VOLUNTEER, {"id": volunteer_id}, viewers["wall display"])
    assert error_codes(result) == ["NOT_PERMITTED"] and result.data is None


async def test_anonymous_callers_do_not_read_the_registry() -> None:
    volunteer_id, _ = await _viewers()
    data = await data_of("query($id: ID!) { node(id: $id) { id } }", {"id": volunteer_id})
    assert data["node"] is None
