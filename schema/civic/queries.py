from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from models.civic import CivicStatus
from schema.civic.loaders import CIVIC_CATEGORY, CIVIC_ISSUE
from schema.civic.statistics import CivicIssueStatisticsFilter, CivicIssueStatisticsType
from schema.civic.types import CivicCategoryType, CivicIssueType, SimilarIssue
from schema.core.context import Info
from schema.core.errors import query_input_error, require_user
from schema.core.ordering import NEWEST, OLDEST
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, id_of, paginate
from services import civic
from services.civic import statistics as civic_statistics
from services.common.errors import DomainError


@strawberry.input(description="Narrows the civic-issue list; every given field must match.")
class CivicIssueFilter:
    district: relay.GlobalID | None = strawberry.field(default=None, description="District.")
    category: relay.GlobalID | None = strawberry.field(default=None, description="Category.")
    status: list[CivicStatus] | None = strawberry.field(default=None, description="Any of.")
    mine: bool = strawberry.field(default=False, description="Only your reports (sign in).")
    reported_from: datetime | None = strawberry.field(default=None, description="At or after.")
    reported_to: datetime | None = strawberry.field(default=None, description="Before.")


async def _category_code(info: Info, category: relay.GlobalID) -> str:
    pk = id_of(category, "CivicCategory", "Query.similarIssues(category:)")
    row = await CIVIC_CATEGORY.load(info, pk) if pk else None
    return row.code if row else ""


@strawberry.enum(
    description=(
        "`civicIssues` in order: OLDEST (reported first, the default), NEWEST."
        " Cursors carry the order: page with the `orderBy` that gave them."
    )
)
class CivicIssueSort(Enum):
    OLDEST = OLDEST
    NEWEST = NEWEST


@strawberry.type
class Query:
    @strawberry.field(description="The catalogue of what can be reported, in display order.")
    async def civic_categories(self, include_inactive: bool = False) -> list[CivicCategoryType]:
        rows = await civic.categories(include_inactive)
        return [CivicCategoryType.from_model(r) for r in rows]

    @strawberry.field(
        description="Civic issues, oldest first. Public: the reporter is masked for others, "
        "and hidden when they reported anonymously."
    )
    async def civic_issues(
        self,
        info: Info,
        filter: CivicIssueFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        order_by: CivicIssueSort = CivicIssueSort.OLDEST,
    ) -> Connection[CivicIssueType]:
        criteria = civic.IssueFilter()
        if filter is not None:
            if filter.mine:
                criteria.reporter_id = require_user(info.context.principal)
            if filter.district is not None:
                criteria.district_id = id_of(
                    filter.district, "District", "CivicIssueFilter.district"
                )
            if filter.category is not None:
                criteria.category_ids = [
                    id_of(filter.category, "CivicCategory", "CivicIssueFilter.category")
                ]
            criteria.status = list(filter.status) if filter.status else None
            criteria.reported_from = filter.reported_from
            criteria.reported_to = filter.reported_to
        issues = civic.list_issues(criteria)
        return await paginate(issues, first, after, CivicIssueType.from_model, order_by.value)

    @strawberry.field(description="One civic issue by its ID; null if there is none.")
    async def civic_issue(self, info: Info, id: relay.GlobalID) -> CivicIssueType | None:
        pk = id_of(id, "CivicIssue", "Query.civicIssue(id:)")
        row = await CIVIC_ISSUE.load(info, pk) if pk else None
        return CivicIssueType.from_model(row) if row else None

    @strawberry.field(
        description="One civic issue by the public token its reporter was given (and Open311 "
        "shows as service_request_id); null if there is none."
    )
    async def civic_issue_by_token(self, token: str) -> CivicIssueType | None:
        row = await civic.get_issue(token) if token else None
        return CivicIssueType.from_model(row) if row else None

    @strawberry.field(
        description="Open issues of the category within 50 m of a place, nearest first: check "
        "before reporting, the problem may be known already."
    )
    async def similar_issues(
        self, info: Info, lat: float, lng: float, category: relay.GlobalID
    ) -> list[SimilarIssue]:
        found = await civic.similar_issues(lat, lng, await _category_code(info, category))
        return [
            SimilarIssue(issue=CivicIssueType.from_model(row), distance_meters=round(d, 1))
            for row, d in found
        ]

    @strawberry.field(
        description="Reported, filed, fixed and overdue civic issues, and the rectification "
        "rate, of the issues reported in a period (both ends optional; `from` inclusive, `to` "
        "exclusive), a district and a category. Public: aggregates that name nobody."
    )
    async def civic_issue_statistics(
        self, filter: CivicIssueStatisticsFilter | None = None
    ) -> CivicIssueStatisticsType:
        try:
            criteria = civic_statistics.CivicFilter()
            if filter is not None:
                criteria = filter.to_filter()
            figures = await civic_statistics.civic_statistics(criteria)
        except DomainError as error:
            raise query_input_error(error) from error
        return CivicIssueStatisticsType.from_statistics(figures)
