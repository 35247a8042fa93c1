from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from models.organizations import OrganizationCategory
from models.volunteers import Skill
from schema.activities.types import ActivityType, SignUpType
from schema.core.context import Info
from schema.core.errors import access_error, query_input_error
from schema.core.ordering import NEWEST, OLDEST, KeyOrder
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    optional_id_of,
    paginate,
)
from services.activities import discovery
from services.activities.errors import ActivityErrorCode
from services.common.errors import AccessError, DomainError


@strawberry.input(description="A point and a distance around it.")
class NearInput:
    lat: float = strawberry.field(description="Latitude in degrees.")
    lng: float = strawberry.field(description="Longitude in degrees.")
    within_km: float = strawberry.field(description="Great-circle distance, 0-100 km.")


@strawberry.input(description="Narrows the activity list; every given field must match.")
class ActivityFilter:
    near: NearInput | None = strawberry.field(default=None, description="Near a point.")
    district: relay.GlobalID | None = strawberry.field(default=None, description="District ID.")
    category: OrganizationCategory | None = strawberry.field(default=None, description="Category.")
    skill: Skill | None = strawberry.field(
        default=None, description="A position requires this skill or qualification."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Has a session ending after this."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Has a session starting before this."
    )
    has_openings: bool | None = strawberry.field(
        default=None, description="Published, with a free place in a session yet to start."
    )
    organization: relay.GlobalID | None = strawberry.field(
        default=None, description="Organisation ID."
    )


@strawberry.enum(
    description=(
        "`activities` in order: OLDEST (created first, the default), NEWEST, TITLE, DISTANCE"
        " (nearest `filter.near` first, which it needs; ties by ID)."
        " Cursors carry the order: page with the `orderBy` that gave them."
    )
)
class ActivitySort(Enum):
    OLDEST = OLDEST
    NEWEST = NEWEST
    TITLE = KeyOrder("TITLE", "title")
    DISTANCE = KeyOrder("DISTANCE", "distance", parse=float)


@strawberry.type
class Query:
    @strawberry.field(
        description="Activities, by ID: published, closed and cancelled ones for everybody, "
        "drafts too for their organisation's admins. Bad filters are top-level errors coded "
        "INVALID_FILTER."
    )
    async def activities(
        self,
        info: Info,
        filter: ActivityFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        order_by: ActivitySort = ActivitySort.OLDEST,
    ) -> Connection[ActivityType]:
        criteria = discovery.ActivityFilter()
        if filter is not None:
            near = filter.near
            criteria = discovery.ActivityFilter(
                near=discovery.Near(near.lat, near.lng, near.within_km) if near else None,
                district_id=optional_id_of(filter.district, "District", "ActivityFilter.district"),
                category=filter.category,
                skill=filter.skill,
                starts_from=filter.from_,
                ends_by=filter.to,
                has_openings=filter.has_openings,
                organization_id=optional_id_of(
                    filter.organization, "Organization", "ActivityFilter.organization"
                ),
            )
        try:
            query = await discovery.filtered(info.context.principal, criteria)
            if order_by is ActivitySort.DISTANCE:
                if criteria.near is None:
                    raise DomainError(
                        ActivityErrorCode.INVALID_FILTER,
                        "DISTANCE orders from a point: give filter.near.",
                        "orderBy",
                    )
                query = discovery.by_distance(query, criteria.near)
        except DomainError as error:
            raise query_input_error(error) from error
        return await paginate(query, first, after, ActivityType.from_model, order_by.value)

    @strawberry.field(description="Your own sign-ups, in sign-up order (volunteers).")
    async def my_sign_ups(
        self,
        info: Info,
        upcoming: bool = False,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[SignUpType]:
        try:
            query = await discovery.my_sign_ups(info.context.principal, upcoming)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, SignUpType.from_model)
