"""Helpers for the certificates tests: a volunteer with confirmed service recorded by an
organisation, walked through the real dispatch flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.accounts import Role, User
from services import accounts
from services.common.principal import Principal
from services.dispatch import assignments, service_records
from tests.dispatch.support import assignment_of, attend, huicheng_order, make_centers
from tests.support import make_organization, make_user, make_volunteer


@dataclass
class World:
    dispatcher: Principal
    resident: Principal
    volunteer: Principal
    volunteer_id: int
    boss: Principal
    organization_id: int


async def refreshed(principal: Principal) -> Principal:
    assert principal.user_id is not None
    return accounts.principal_for(await User.get(id=principal.user_id))


async def serve(world: World, organization_id: int | None, minutes: int = 150) -> int:
    """A confirmed record of `minutes` ending now, of an order sent to `organization_id`."""
    order_id = await huicheng_order(world.resident, hours_from_now=2)
    await assignments.assign(world.dispatcher, order_id, [world.volunteer_id], organization_id)
    assignment_id = await assignment_of(order_id, world.volunteer_id)
    await assignments.accept(world.volunteer, assignment_id)
    start = datetime.now(UTC) - timedelta(minutes=minutes)
    record = await attend(world.volunteer, assignment_id, start, start + timedelta(minutes=minutes))
    await service_records.confirm(world.dispatcher, record.id)
    return record.id


async def world() -> World:
    await make_centers()
    _, dispatcher = await make_user("dispatcher", Role.DISPATCHER)
    _, resident = await make_user("resident")
    _, volunteer, volunteer_id = await make_volunteer("chen", real_name="陈志愿")
    _, boss, _ = await make_volunteer("boss", real_name="王队长", phone="13900139000")
    organization_id = await make_organization(boss)
    made = World(dispatcher, resident, volunteer, volunteer_id, await refreshed(boss), 0)
    made.organization_id = organization_id
    return made
