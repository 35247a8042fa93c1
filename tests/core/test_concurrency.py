"""Races a real deployment meets: the same request twice at once."""

from __future__ import annotations

import asyncio

from models.geography import District
from models.organizations import Membership, MembershipStatus
from models.volunteers import Volunteer
from services import organizations, volunteers
from services.common.errors import DomainError
from tests.support import make_organization, make_user, make_volunteer, new_id_number


async def test_concurrent_registrations_with_one_id_number_register_once() -> None:
    district = await District.get(code="HUICHENG")
    id_number = new_id_number()
    principals = [(await make_user(f"twin{i}"))[1] for i in range(8)]

    async def register(index: int) -> str:
        data = volunteers.Registration(
            real_name="陈志愿", id_number=id_number, phone="13800138000", district_id=district.id
        )
        try:
            await volunteers.register(principals[index], data)
            return "ok"
        except DomainError as error:
            return error.problems[0].code.value

    outcomes = await asyncio.gather(*(register(i) for i in range(8)))
    assert sorted(outcomes) == ["DUPLICATE_ID_NUMBER"] * 7 + ["ok"]
    assert await Volunteer.all().count() == 1


async def test_two_admins_deciding_one_application_at_once_decide_it_once() -> None:
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    _, applicant, _ = await make_volunteer("applicant")
    membership = await organizations.apply(applicant, organization_id)

    async def decide(approve: bool) -> str:
        try:
            await organizations.decide(founder, membership.id, approve=approve)
            return "decided"
        except DomainError as error:
            return error.problems[0].code.value

    outcomes = await asyncio.gather(*(decide(i % 2 == 0) for i in range(10)))
    assert sorted(outcomes) == ["ALREADY_DECIDED"] * 9 + ["decided"]
    decided = await Membership.get(id=membership.id)
    assert decided.status in (MembershipStatus.APPROVED, MembershipStatus.REJECTED)
