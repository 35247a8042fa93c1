"""Administering the civic-issue catalogue (ADMIN): the schema side of
services/civic/catalogue.py."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from models.civic import CivicCategory
from schema.civic.types import CivicCategoryPayload, CivicCategoryType
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from services.audit import Actor
from services.civic import catalogue
from services.civic.errors import CivicErrorCode

CHECKS = (
    "Refusals are coded INVALID_CODE, DUPLICATE_CODE, INVALID_NAME, INVALID_DESCRIPTION, "
    "INVALID_GROUP, INVALID_DEPARTMENT, INVALID_DEADLINE (1 to 8760 hours) or INVALID_POSITION."
)


@strawberry.input(description="A new civic-issue category.")
class CreateCivicCategoryInput:
    code: str = strawberry.field(description="Stable code, e.g. ILLEGAL_PARKING (Open311).")
    name_zh: str = strawberry.field(description="Chinese name.")
    name_en: str = strawberry.field(description="English name.")
    department: str = strawberry.field(description="The department that rectifies it.")
    deadline_hours: int = strawberry.field(description="Default hours to rectify once filed.")
    description: str = strawberry.field(default="", description="What belongs here.")
    group: str = strawberry.field(default="", description="Heading it is listed under.")
    position: int = strawberry.field(default=0, description="Place in the list (0 first).")


@strawberry.input(description="What to change in a civic-issue category; omitted fields stay.")
class UpdateCivicCategoryInput:
    category: relay.GlobalID = strawberry.field(description="The category.")
    name_zh: str | None = strawberry.field(default=None, description="Chinese name.")
    name_en: str | None = strawberry.field(default=None, description="English name.")
    description: str | None = strawberry.field(default=None, description="What belongs here.")
    group: str | None = strawberry.field(default=None, description="Heading.")
    department: str | None = strawberry.field(
        default=None, description="The department that answers for it from now on."
    )
    deadline_hours: int | None = strawberry.field(
        default=None, description="Default hours to rectify, for issues filed from now on."
    )
    active: bool | None = strawberry.field(
        default=None, description="False withdraws it: it can no longer be reported."
    )
    position: int | None = strawberry.field(default=None, description="Place in the list.")


def _present(row: CivicCategory) -> CivicCategoryPayload:
    return CivicCategoryPayload(civic_category=CivicCategoryType.from_model(row))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=f"Add a civic-issue category, recorded in the audit log. {CHECKS}",
        extensions=[requires(Role.ADMIN)],
    )
    async def create_civic_category(
        self, info: Info, input: CreateCivicCategoryInput
    ) -> CivicCategoryPayload:
        change = catalogue.CategoryChange(
            code=input.code,
            name_zh=input.name_zh,
            name_en=input.name_en,
            description=input.description,
            group=input.group,
            department=input.department,
            deadline_hours=input.deadline_hours,
            position=input.position,
        )

        async def create() -> CivicCategory:
            actor = await Actor.admin(info.context.principal)
            return await catalogue.create_category(actor, change)

        return await payload(CivicCategoryPayload, create(), _present)

    @strawberry.mutation(
        description="Change a civic-issue category — names, department, deadline, whether it "
        f"can be reported — recorded in the audit log. {CHECKS} UNKNOWN_CATEGORY for the "
        "category. Issues already filed keep their department and deadline.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_civic_category(
        self, info: Info, input: UpdateCivicCategoryInput
    ) -> CivicCategoryPayload:
        category_id = decode_id(input.category, "CivicCategory")
        if category_id is None:
            return CivicCategoryPayload.failed(
                problem(CivicErrorCode.UNKNOWN_CATEGORY, "No such category.", "category")
            )
        change = catalogue.CategoryChange(
            name_zh=input.name_zh,
            name_en=input.name_en,
            description=input.description,
            group=input.group,
            department=input.department,
            deadline_hours=input.deadline_hours,
            active=input.active,
            position=input.position,
        )

        async def update() -> CivicCategory:
            actor = await Actor.admin(info.context.principal)
            return await catalogue.update_category(actor, category_id, change)

        return await payload(CivicCategoryPayload, update(), _present)
