"""Races a real deployment meets: the same request twice at once."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from tortoise.transactions import in_transaction

from models.geography import District
from models.organizations import Membership, MembershipStatus
from models.volunteers import Volunteer
from services import organizations, volunteers
from services.common.errors import DomainError
from tests.conftest import Backend
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


async def test_a_transaction_is_not_refused_when_another_process_writes_in_the_middle(
    backend: Backend,
) -> None:
    """Two API processes on one SQLite file (development, the live tests): each writes on its
    own, and a transaction that had read before the other committed must wait, not fail."""
    if backend.is_postgres:
        pytest.skip("SQLite's whole-database write lock; PostgreSQL locks rows")
    path = backend.settings.database_url.removeprefix("sqlite://")
    other_process = sqlite3.connect(path, timeout=10, check_same_thread=False)

    def other_writes() -> None:
        other_process.execute("UPDATE district SET population = population + 1")
        other_process.commit()

    try:
        async with in_transaction():
            before = await District.get(code="HUICHENG")
            # the other process writes while this transaction is between its read and its write
            other = asyncio.create_task(asyncio.to_thread(other_writes))
            await asyncio.sleep(0.5)
            await District.filter(id=before.id).update(name_en="Huicheng District")
        await other
    finally:
        other_process.close()

    after = await District.get(id=before.id)
    assert after.name_en == "Huicheng District"
    assert after.population == before.population + 1
