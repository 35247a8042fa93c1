"""Founding organisations, verifying them, and the join flow."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import Role, User
from models.organizations import Membership, MembershipStatus, Organization
from models.volunteers import Volunteer, VolunteerStatus
from tests.support import (
    data_of,
    error_codes,
    gql,
    huicheng,
    make_organization,
    make_user,
    make_volunteer,
)

CREATE = """
mutation Create($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name category verified contactPhone district { code } memberCount }
    errors { code field }
  }
}"""
VERIFY = """
mutation Verify($input: VerifyOrganizationInput!) {
  verifyOrganization(input: $input) { organization { verified } errors { code field } }
}"""
APPLY = """
mutation Apply($input: ApplyToOrganizationInput!) {
  applyToOrganization(input: $input) {
    membership { id status role message organization { name } volunteer { realName } }
    errors { code field }
  }
}"""
DECIDE = """
mutation Decide($input: DecideMembershipInput!) {
  decideMembership(input: $input) {
    membership { status role decisionNote decidedAt }
    errors { code field }
  }
}"""
APPLICATIONS = """
query Applications($id: ID!) {
  organization(id: $id) {
    memberCount
    applications { nodes { id volunteer { realName } } }
    members { nodes { role volunteer { realName } } }
  }
}"""
LIST = """
query List($filter: OrganizationFilter) {
  organizations(filter: $filter, first: 50) { totalCount nodes { name } }
}"""


async def _create_input(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "惠城区红马甲志愿服务队",
        "category": "COMMUNITY",
        "district": to_base64("District", (await huicheng()).id),
        "contactPhone": "0752-2345678",
    }
    values.update(overrides)
    return values


async def test_a_volunteer_founds_an_organisation_and_administers_it() -> None:
    user, principal, _ = await make_volunteer("founder")
    data = await data_of(CREATE, {"input": await _create_input()}, principal)
    payload = data["createOrganization"]
    assert payload["errors"] == []
    organization = payload["organization"]
    assert organization["verified"] is False
    assert organization["memberCount"] == 1
    assert organization["district"] == {"code": "HUICHENG"}
    await user.refresh_from_db()
    assert Role.ORG_ADMIN.value in user.roles


async def test_an_admin_registers_a_verified_organisation() -> None:
    _, admin = await make_user("boss", Role.ADMIN)
    data = await data_of(CREATE, {"input": await _create_input()}, admin)
    assert data["createOrganization"]["organization"]["verified"] is True
    assert data["createOrganization"]["organization"]["memberCount"] == 0


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"name": "x"}, "INVALID_NAME", "name"),
        ({"contactPhone": "call me"}, "INVALID_PHONE", "contactPhone"),
        ({"district": to_base64("District", 999)}, "UNKNOWN_DISTRICT", "district"),
        ({"district": to_base64("Organization", 1)}, "UNKNOWN_DISTRICT", "district"),
    ],
)
async def test_organisation_errors_are_coded_and_change_nothing(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    _, principal, _ = await make_volunteer("founder")
    data = await data_of(CREATE, {"input": await _create_input(**overrides)}, principal)
    assert data["createOrganization"]["errors"] == [{"code": code, "field": field}]
    assert await Organization.all().count() == 0
    assert await Membership.all().count() == 0


async def test_names_are_unique() -> None:
    _, principal, _ = await make_volunteer("founder")
    await make_organization(principal, "惠城区红马甲志愿服务队")
    data = await data_of(CREATE, {"input": await _create_input()}, principal)
    assert data["createOrganization"]["errors"] == [{"code": "DUPLICATE_NAME", "field": "name"}]
    assert await Organization.all().count() == 1


async def test_founding_needs_a_volunteer_record_or_admin() -> None:
    _, resident = await make_user("resident")
    data = await data_of(CREATE, {"input": await _create_input()}, resident)
    assert data["createOrganization"]["errors"] == [{"code": "NOT_A_VOLUNTEER", "field": None}]
    assert error_codes(await gql(CREATE, {"input": await _create_input()})) == ["NOT_AUTHENTICATED"]


async def test_only_admins_verify() -> None:
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    variables = {"input": {"organization": to_base64("Organization", organization_id)}}
    assert error_codes(await gql(VERIFY, variables, founder)) == ["NOT_PERMITTED"]
    _, admin = await make_user("boss", Role.ADMIN)
    assert (await data_of(VERIFY, variables, admin))["verifyOrganization"] == {
        "organization": {"verified": True},
        "errors": [],
    }
    missing = {"input": {"organization": to_base64("Organization", 999)}}
    assert (await data_of(VERIFY, missing, admin))["verifyOrganization"]["errors"] == [
        {"code": "ORGANIZATION_NOT_FOUND", "field": "organization"}
    ]


async def test_the_join_flow_apply_list_approve() -> None:
    _, founder, _ = await make_volunteer("founder", real_name="赵队长")
    organization_id = await make_organization(founder)
    org_gid = to_base64("Organization", organization_id)
    _, applicant, _ = await make_volunteer("applicant", real_name="钱志愿")

    applied = await data_of(
        APPLY, {"input": {"organization": org_gid, "message": "周末有空"}}, applicant
    )
    membership = applied["applyToOrganization"]["membership"]
    assert applied["applyToOrganization"]["errors"] == []
    assert (membership["status"], membership["message"]) == ("PENDING", "周末有空")

    listed = await data_of(APPLICATIONS, {"id": org_gid}, founder)
    assert listed["organization"]["applications"]["nodes"] == [
        {"id": membership["id"], "volunteer": {"realName": "钱志愿"}}
    ]
    # Applicants do not see the queue of applications.
    assert (await data_of(APPLICATIONS, {"id": org_gid}, applicant))["organization"][
        "applications"
    ] == {"nodes": []}

    decided = await data_of(
        DECIDE,
        {"input": {"membership": membership["id"], "decision": "APPROVE", "note": "欢迎"}},
        founder,
    )
    result = decided["decideMembership"]
    assert result["errors"] == []
    assert (result["membership"]["status"], result["membership"]["decisionNote"]) == (
        "APPROVED",
        "欢迎",
    )
    after = await data_of(APPLICATIONS, {"id": org_gid}, founder)
    assert after["organization"]["memberCount"] == 2
    assert after["organization"]["applications"]["nodes"] == []
    assert [m["volunteer"]["realName"] for m in after["organization"]["members"]["nodes"]] == [
        "赵队长",
        "钱志愿",
    ]


async def test_rejection_and_reapplication() -> None:
    _, founder, _ = await make_volunteer("founder")
    org_gid = to_base64("Organization", await make_organization(founder))
    _, applicant, _ = await make_volunteer("applicant")
    first = await data_of(APPLY, {"input": {"organization": org_gid}}, applicant)
    membership_id = first["applyToOrganization"]["membership"]["id"]
    rejected = await data_of(
        DECIDE, {"input": {"membership": membership_id, "decision": "REJECT"}}, founder
    )
    assert rejected["decideMembership"]["membership"]["status"] == "REJECTED"
    again = await data_of(APPLY, {"input": {"organization": org_gid}}, applicant)
    assert again["applyToOrganization"]["membership"]["status"] == "PENDING"
    assert again["applyToOrganization"]["membership"]["id"] == membership_id


async def test_approval_as_admin_grants_the_org_admin_role() -> None:
    _, founder, _ = await make_volunteer("founder")
    org_gid = to_base64("Organization", await make_organization(founder))
    user, applicant, _ = await make_volunteer("deputy")
    applied = await data_of(APPLY, {"input": {"organization": org_gid}}, applicant)
    membership_id = applied["applyToOrganization"]["membership"]["id"]
    decided = await data_of(
        DECIDE,
        {"input": {"membership": membership_id, "decision": "APPROVE", "role": "ADMIN"}},
        founder,
    )
    assert decided["decideMembership"]["membership"]["role"] == "ADMIN"
    await user.refresh_from_db()
    assert Role.ORG_ADMIN.value in user.roles


async def test_join_flow_errors() -> None:
    _, founder, _ = await make_volunteer("founder")
    org_gid = to_base64("Organization", await make_organization(founder))
    _, applicant, volunteer_id = await make_volunteer("applicant")
    _, resident = await make_user("resident")

    async def apply_codes(principal: Any, organization: str = org_gid, message: str = "") -> list:
        data = await data_of(
            APPLY, {"input": {"organization": organization, "message": message}}, principal
        )
        return [e["code"] for e in data["applyToOrganization"]["errors"]]

    assert await apply_codes(resident) == ["NOT_A_VOLUNTEER"]
    assert await apply_codes(founder) == ["ALREADY_MEMBER"]
    assert await apply_codes(applicant, to_base64("Organization", 999)) == [
        "ORGANIZATION_NOT_FOUND"
    ]
    assert await apply_codes(applicant, message="长" * 501) == ["MESSAGE_TOO_LONG"]
    assert await apply_codes(applicant) == []
    assert await apply_codes(applicant) == ["ALREADY_APPLIED"]
    assert await Membership.filter(status=MembershipStatus.PENDING).count() == 1

    await Volunteer.filter(id=volunteer_id).update(status=VolunteerStatus.SUSPENDED)
    assert await apply_codes(applicant) == ["VOLUNTEER_NOT_ACTIVE"]


async def test_only_the_organisations_admins_decide_and_only_once() -> None:
    _, founder, _ = await make_volunteer("founder")
    org_gid = to_base64("Organization", await make_organization(founder))
    _, other_founder, _ = await make_volunteer("other")
    await make_organization(other_founder, "另一个志愿服务队")
    _, applicant, _ = await make_volunteer("applicant")
    applied = await data_of(APPLY, {"input": {"organization": org_gid}}, applicant)
    membership_id = applied["applyToOrganization"]["membership"]["id"]
    approve = {"input": {"membership": membership_id, "decision": "APPROVE"}}

    for outsider in (applicant, other_founder):
        assert error_codes(await gql(DECIDE, approve, outsider)) == ["NOT_PERMITTED"]
    assert (await data_of(DECIDE, approve, founder))["decideMembership"]["errors"] == []
    again = await data_of(DECIDE, approve, founder)
    assert again["decideMembership"]["errors"] == [{"code": "ALREADY_DECIDED", "field": None}]
    missing = {"input": {"membership": to_base64("Membership", 999), "decision": "REJECT"}}
    assert (await data_of(DECIDE, missing, founder))["decideMembership"]["errors"] == [
        {"code": "MEMBERSHIP_NOT_FOUND", "field": "membership"}
    ]


async def test_the_public_list_filters_by_category_district_and_verified() -> None:
    _, admin = await make_user("boss", Role.ADMIN)
    district = to_base64("District", (await huicheng()).id)
    for name, category in (("甲队", "COMMUNITY"), ("乙队", "CULTURE"), ("丙队", "COMMUNITY")):
        await data_of(CREATE, {"input": await _create_input(name=name, category=category)}, admin)
    await Organization.filter(name="丙队").update(verified=False)

    async def names(filter: dict[str, Any]) -> list[str]:
        data = await data_of(LIST, {"filter": filter})  # anonymous: the list is public
        return [n["name"] for n in data["organizations"]["nodes"]]

    assert await names({"category": "COMMUNITY"}) == ["甲队", "丙队"]
    assert await names({"verified": True}) == ["甲队", "乙队"]
    assert await names({"district": district, "category": "CULTURE"}) == ["乙队"]
    assert await names({"search": "乙"}) == ["乙队"]
    assert await User.filter(username="boss").exists()


MEMBER_PAGE = """
query Members($id: ID!, $first: Int, $after: String) {
  organization(id: $id) {
    members(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes { volunteer { realName } }
    }
  }
}"""


async def test_members_page_with_stable_cursors() -> None:
    _, founder, _ = await make_volunteer("founder", real_name="创始人")
    organization_id = await make_organization(founder)
    for i in range(3):
        _, _, volunteer_id = await make_volunteer(f"member{i}", real_name=f"队员{i}")
        await Membership.create(
            volunteer_id=volunteer_id,
            organization_id=organization_id,
            status=MembershipStatus.APPROVED,
        )
    org = to_base64("Organization", organization_id)

    first = (await data_of(MEMBER_PAGE, {"id": org, "first": 2}, founder))["organization"]
    page = first["members"]
    # a member who joins between two pages lands at the end, not in a page already read
    _, _, late = await make_volunteer("late", real_name="新队员")
    await Membership.create(
        volunteer_id=late, organization_id=organization_id, status=MembershipStatus.APPROVED
    )
    after = page["pageInfo"]["endCursor"]
    rest = (await data_of(MEMBER_PAGE, {"id": org, "after": after}, founder))["organization"]

    assert page["totalCount"] == 4
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "endCursor": after}
    assert [n["volunteer"]["realName"] for n in page["nodes"]] == ["创始人", "队员0"]
    assert [n["volunteer"]["realName"] for n in rest["members"]["nodes"]] == [
        "队员1",
        "队员2",
        "新队员",
    ]
    assert rest["members"]["pageInfo"]["hasNextPage"] is False
    # anonymous readers see the organisation, not its members
    anonymous = (await data_of(MEMBER_PAGE, {"id": org}))["organization"]["members"]
    assert anonymous["totalCount"] == 0 and anonymous["nodes"] == []
    # a cursor that is not one is refused with a code
    assert error_codes(await gql(MEMBER_PAGE, {"id": org, "after": "nope"}, founder)) == [
        "BAD_USER_INPUT"
    ]
