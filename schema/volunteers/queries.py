from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from models.volunteers import Skill, Volunteer, VolunteerStatus
from schema.core.context import Info
from schema.core.ordering import NEWEST, OLDEST, KeyOrder
from schema.core.permissions import requires
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    id_of,
    optional_id_of,
    paginate,
)
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services import volunteers
from services.volunteers import lookups as volunteer_lookups


@strawberry.input(description="Narrows the volunteer list; every given field must match.")
class VolunteerFilter:
    district: relay.GlobalID | None = strawberry.field(default=None, description="District ID.")
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community ID.")
    skill: Skill | None = strawberry.field(default=None, description="Has this skill.")
    star_level_at_least: int | None = strawberry.field(default=None, description="Minimum stars.")
    organization: relay.GlobalID | None = strawberry.field(
        default=None, description="Approved member of this organisation."
    )
    status: VolunteerStatus | None = strawberry.field(default=None, description="Status.")
    search: str | None = strawberry.field(default=None, description="Part of the real name.")


def _criteria(given: VolunteerFilter | None) -> volunteers.VolunteerFilter:
    if given is None:
        return volunteers.VolunteerFilter()
    return volunteers.VolunteerFilter(
        district_id=optional_id_of(given.district, "District", "VolunteerFilter.district"),
        community_id=optional_id_of(given.community, "Community", "VolunteerFilter.community"),
        skill=given.skill,
        star_level_at_least=given.star_level_at_least,
        organization_id=optional_id_of(
            given.organization, "Organization", "VolunteerFilter.organization"
        ),
        status=given.status,
        search=given.search,
    )


@strawberry.enum(
    description=(
        "`volunteers` in order: OLDEST (registered first, the default), NEWEST, "
        "MOST_HOURS (most confirmed hours first)."
        " Cursors carry the order: page with the `orderBy` that gave them."
    )
)
class VolunteerSort(Enum):
    OLDEST = OLDEST
    NEWEST = NEWEST
    MOST_HOURS = KeyOrder("MOST_HOURS", "total_hours", descending=True, parse=Decimal)


@strawberry.type
class Query:
    @strawberry.field(
        description="The volunteer registry, filtered and paginated.",
        extensions=[requires(apps=True)],
    )
    async def volunteers(
        self,
        info: Info,
        filter: VolunteerFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        order_by: VolunteerSort = VolunteerSort.OLDEST,
    ) -> Connection[VolunteerType]:
        query = volunteers.filtered(_criteria(filter))
        return await paginate(query, first, after, VolunteerType.from_model, order_by.value)

    @strawberry.field(description="One volunteer by ID.", extensions=[requires(apps=True)])
    async def volunteer(self, info: Info, id: relay.GlobalID) -> VolunteerType | None:
        volunteer_id = id_of(id, "Volunteer", "Query.volunteer(id:)")
        row = await VOLUNTEER.load(info, volunteer_id)
        return VolunteerType.from_model(row) if row else None

    @strawberry.field(description="The signed-in person's own volunteer record, if registered.")
    async def my_volunteer(self, info: Info) -> VolunteerType | None:
        user_id = info.context.principal.user_id
        if user_id is None:
            return None
        row: Volunteer | None = await volunteer_lookups.volunteer_of_user(user_id)
        return VolunteerType.from_model(row) if row else None
