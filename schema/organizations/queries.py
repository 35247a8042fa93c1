from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import relay

from models.organizations import OrganizationCategory
from schema.core.context import Info
from schema.core.ordering import NEWEST, OLDEST, KeyOrder
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    id_of,
    optional_id_of,
    paginate,
)
from schema.organizations.loaders import ORGANIZATION
from schema.organizations.types import OrganizationType
from services import organizations


@strawberry.input(description="Narrows the organisation list; every given field must match.")
class OrganizationFilter:
    category: OrganizationCategory | None = strawberry.field(default=None, description="Category.")
    district: relay.GlobalID | None = strawberry.field(default=None, description="District ID.")
    verified: bool | None = strawberry.field(default=None, description="Verified or not.")
    search: str | None = strawberry.field(default=None, description="Part of the name.")


@strawberry.enum(
    description=(
        "`organizations` in order: OLDEST (founded first, the default), NEWEST, NAME."
        " Cursors carry the order: page with the `orderBy` that gave them."
    )
)
class OrganizationSort(Enum):
    OLDEST = OLDEST
    NEWEST = NEWEST
    NAME = KeyOrder("NAME", "name")


@strawberry.type
class Query:
    @strawberry.field(description="Registered organisations, filtered and paginated. Public.")
    async def organizations(
        self,
        filter: OrganizationFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        order_by: OrganizationSort = OrganizationSort.OLDEST,
    ) -> Connection[OrganizationType]:
        criteria = organizations.OrganizationFilter()
        if filter is not None:
            criteria = organizations.OrganizationFilter(
                category=filter.category,
                district_id=optional_id_of(
                    filter.district, "District", "OrganizationFilter.district"
                ),
                verified=filter.verified,
                search=filter.search,
            )
        return await paginate(
            organizations.filtered(criteria),
            first,
            after,
            OrganizationType.from_model,
            order_by.value,
        )

    @strawberry.field(description="One organisation by ID.")
    async def organization(self, info: Info, id: relay.GlobalID) -> OrganizationType | None:
        organization_id = id_of(id, "Organization", "Query.organization(id:)")
        row = await ORGANIZATION.load(info, organization_id)
        return OrganizationType.from_model(row) if row else None
