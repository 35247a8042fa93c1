"""`node(id)` of an assignment, a service record or a membership answers only those who may see
it through its parent (the order, the organisation); everyone else gets null, as for an id that
names nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import Role
from models.dispatch import ServiceRecord
from models.organizations import Membership, MembershipStatus
from services import organizations
from services.common.principal import ANONYMOUS, Principal
from services.dispatch import assignments
from tests.dispatch.support import assigned_order, attend, make_centers, people
from tests.support import gql, make_organization, make_user, make_volunteer

NODE = "query ($id: ID!) { node(id: $id) { id } }"


async def sees(principal: Principal, type_name: str, row_id: int) -> bool:
    global_id = to_base64(type_name, row_id)
    result = await gql(NODE, {"id": global_id}, principal)
    if principal.is_wall_screen:
        # A wall screen is refused `node` outright: it reads only what the wall shows.
        assert [e.extensions["code"] for e in result.errors or []] == ["NOT_PERMITTED"]
        return False
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data["node"] is not None and result.data["node"]["id"] == global_id


async def outsiders() -> dict[str, Principal]:
    _, stranger = await make_user("stranger", Role.RESIDENT)
    _, other_volunteer, _ = await make_volunteer("othervolunteer")
    _, wall = await make_user("wall", Role.WALL_DISPLAY)
    return {
        "anonymous": ANONYMOUS,
        "stranger": stranger,
        "other volunteer": other_volunteer,
        "wall": wall,
    }


@pytest.fixture
async def service() -> dict[str, Any]:
    """An order served by a volunteer who belongs to an organisation, with its record."""
    await make_centers()
    who = await people()
    order_id, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=2))
    record = await ServiceRecord.get(assignment_id=assignment_id)
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    membership = await organizations.apply(who["volunteer"], organization_id)
    await organizations.decide(founder, membership.id, True)
    _, admin = await make_user("cityadmin", Role.ADMIN)
    return {
        **who,
        "order_id": order_id,
        "assignment_id": assignment_id,
        "record_id": record.id,
        "org_admin": founder,
        "admin": admin,
    }


async def test_an_assignment_is_seen_by_its_order_s_people_only(service: dict[str, Any]) -> None:
    insiders = {
        "the volunteer": service["volunteer"],
        "the requester": service["resident"],
        "a dispatcher": service["dispatcher"],
        "an administrator": service["admin"],
    }
    for name, principal in insiders.items():
        assert await sees(principal, "OrderAssignment", service["assignment_id"]), name
    for name, principal in (await outsiders()).items():
        assert not await sees(principal, "OrderAssignment", service["assignment_id"]), name
    # the organisation's admin has no part in this order (it was sent to a volunteer)
    assert not await sees(service["org_admin"], "OrderAssignment", service["assignment_id"])


async def test_a_service_record_is_seen_by_its_volunteer_requester_and_deciders(
    service: dict[str, Any],
) -> None:
    insiders = {
        "the volunteer": service["volunteer"],
        "the requester": service["resident"],
        "a dispatcher": service["dispatcher"],
        "an administrator": service["admin"],
        "an admin of the volunteer's organisation (who may confirm it)": service["org_admin"],
    }
    for name, principal in insiders.items():
        assert await sees(principal, "ServiceRecord", service["record_id"]), name
    for name, principal in (await outsiders()).items():
        assert not await sees(principal, "ServiceRecord", service["record_id"]), name


async def test_a_pending_application_is_seen_by_the_applicant_and_the_organisation_s_admins() -> (
    None
):
    # given an organisation and a volunteer's pending application to it
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    _, applicant, _ = await make_volunteer("applicant")
    application = await organizations.apply(applicant, organization_id, "I can help")
    _, admin = await make_user("cityadmin", Role.ADMIN)

    # then the applicant, the organisation's admin and a city administrator see it
    for name, principal in {"applicant": applicant, "org admin": founder, "admin": admin}.items():
        assert await sees(principal, "Membership", application.id), name
    # and nobody else does
    for name, principal in (await outsiders()).items():
        assert not await sees(principal, "Membership", application.id), name


async def test_a_rejected_application_stays_between_the_applicant_and_the_admins() -> None:
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    _, applicant, _ = await make_volunteer("applicant")
    application = await organizations.apply(applicant, organization_id)
    await organizations.decide(founder, application.id, False, note="Full")

    assert await sees(applicant, "Membership", application.id)
    assert await sees(founder, "Membership", application.id)
    for name, principal in (await outsiders()).items():
        assert not await sees(principal, "Membership", application.id), name


async def test_an_approved_membership_is_seen_as_organization_members_lists_it() -> None:
    # given an approved member
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    _, member, _ = await make_volunteer("member")
    membership = await organizations.apply(member, organization_id)
    await organizations.decide(founder, membership.id, True)
    assert (await Membership.get(id=membership.id)).status == MembershipStatus.APPROVED
    others = await outsiders()

    # then any signed-in person sees it, as in `Organization.members`
    for name in ("stranger", "other volunteer"):
        assert await sees(others[name], "Membership", membership.id), name
    assert await sees(member, "Membership", membership.id)
    # but not an anonymous caller (members are for the signed-in) nor a wall screen
    assert not await sees(others["anonymous"], "Membership", membership.id)
    assert not await sees(others["wall"], "Membership", membership.id)
