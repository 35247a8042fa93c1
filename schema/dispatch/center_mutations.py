"""Administering dispatch centres (ADMIN): the schema side of services/dispatch/centers.py."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from models.dispatch import CenterLevel, DispatchCenter
from schema.core.context import Info
from schema.core.errors import payload
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.dispatch.types import DispatchCenterPayload, DispatchCenterType
from services.audit import Actor
from services.common.errors import Collector
from services.dispatch import centers
from services.dispatch.errors import DispatchErrorCode


@strawberry.input(description="A new dispatch centre.")
class CreateDispatchCenterInput:
    name: str = strawberry.field(description="Unique name, e.g. 江北街道志愿服务调度站.")
    level: CenterLevel = strawberry.field(description="CITY (one only), DISTRICT or STREET.")
    parent: relay.GlobalID | None = strawberry.field(
        default=None, description="The centre orders escalate to; required but for the city's."
    )
    auto_assign: bool = strawberry.field(
        default=False, description="Assign the best suggestions as soon as an order arrives."
    )
    escalate_after_minutes: int = strawberry.field(
        default=30, description="Unassigned this long, an order moves to the parent (1 to 10080)."
    )
    districts: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Districts it answers for, whole."
    )
    communities: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Single communities it answers for."
    )


@strawberry.input(description="What to change in a dispatch centre; omitted fields stay.")
class UpdateDispatchCenterInput:
    dispatch_center: relay.GlobalID = strawberry.field(description="The centre.")
    name: str | None = strawberry.field(default=None, description="New name.")
    level: CenterLevel | None = strawberry.field(default=None, description="New level.")
    parent: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="New parent (null: none, for the city centre)."
    )
    auto_assign: bool | None = strawberry.field(
        default=None, description="Turn automatic assignment on or off."
    )
    escalate_after_minutes: int | None = strawberry.field(
        default=None, description="New escalation time in minutes (1 to 10080)."
    )
    districts: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Replaces the districts it answers for."
    )
    communities: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Replaces the single communities it answers for."
    )


def _ids(
    given: list[relay.GlobalID] | None,
    type_name: str,
    code: DispatchErrorCode,
    field: str,
    problems: Collector,
) -> list[int] | None:
    if given is None:
        return None
    ids = [decode_id(g, type_name) for g in given]
    if any(i is None for i in ids):
        problems.add(code, f"Not a {type_name} ID.", field)
    return [i for i in ids if i is not None]


def _parent(given: relay.GlobalID | None, problems: Collector) -> int | None:
    if given is None:
        return None
    parent = decode_id(given, "DispatchCenter")
    if parent is None:
        problems.add(DispatchErrorCode.CENTER_NOT_FOUND, "Not a DispatchCenter ID.", "parent")
    return parent


def _coverage(
    districts: list[relay.GlobalID] | None,
    communities: list[relay.GlobalID] | None,
    problems: Collector,
) -> tuple[list[int] | None, list[int] | None]:
    district_ids = _ids(
        districts, "District", DispatchErrorCode.UNKNOWN_DISTRICT, "districts", problems
    )
    community_ids = _ids(
        communities, "Community", DispatchErrorCode.UNKNOWN_COMMUNITY, "communities", problems
    )
    return district_ids, community_ids


def _present(row: DispatchCenter) -> DispatchCenterPayload:
    return DispatchCenterPayload(dispatch_center=DispatchCenterType.from_model(row))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Open a dispatch centre, recorded in the audit log. Refusals are coded "
        "INVALID_NAME, DUPLICATE_NAME, INVALID_LEVEL, INVALID_PARENT, CENTER_NOT_FOUND, "
        "INVALID_ESCALATION, UNKNOWN_DISTRICT or UNKNOWN_COMMUNITY.",
        extensions=[requires(Role.ADMIN)],
    )
    async def create_dispatch_center(
        self, info: Info, input: CreateDispatchCenterInput
    ) -> DispatchCenterPayload:
        problems = Collector()
        parent = _parent(input.parent, problems)
        districts, communities = _coverage(input.districts, input.communities, problems)
        if problems.problems:
            return DispatchCenterPayload.failed(problems.problems)
        change = centers.CenterChange(
            name=input.name,
            level=input.level,
            parent_id=parent,
            auto_assign=input.auto_assign,
            escalate_after_minutes=input.escalate_after_minutes,
            districts=districts,
            communities=communities,
        )

        async def create() -> DispatchCenter:
            return await centers.create_center(await Actor.admin(info.context.principal), change)

        return await payload(DispatchCenterPayload, create(), _present)

    @strawberry.mutation(
        description="Change a dispatch centre — name, level, parent, coverage, `autoAssign`, "
        "escalation time — recorded in the audit log with before → after. Refusals as for "
        "`createDispatchCenter`, and CENTER_NOT_FOUND for the centre itself.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_dispatch_center(
        self, info: Info, input: UpdateDispatchCenterInput
    ) -> DispatchCenterPayload:
        problems = Collector()
        center_id = decode_id(input.dispatch_center, "DispatchCenter")
        if center_id is None:
            problems.add(DispatchErrorCode.CENTER_NOT_FOUND, "No such centre.", "dispatchCenter")
        parent: int | centers.Keep | None = centers.KEEP
        if input.parent is not strawberry.UNSET:
            parent = _parent(input.parent, problems)
        districts, communities = _coverage(input.districts, input.communities, problems)
        if problems.problems or center_id is None:
            return DispatchCenterPayload.failed(problems.problems)
        change = centers.CenterChange(
            name=input.name,
            level=input.level,
            parent_id=parent,
            auto_assign=input.auto_assign,
            escalate_after_minutes=input.escalate_after_minutes,
            districts=districts,
            communities=communities,
        )
        target = center_id

        async def update() -> DispatchCenter:
            actor = await Actor.admin(info.context.principal)
            return await centers.update_center(actor, target, change)

        return await payload(DispatchCenterPayload, update(), _present)
