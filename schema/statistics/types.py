from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from models.dispatch import OrderStatus
from models.organizations import OrganizationCategory
from models.stations import StationKind
from schema.core.scalars import hundredths
from schema.geography.types import DistrictType
from services import statistics


@strawberry.type(description="How many orders of the period are in one status now.")
class OrderStatusCount:
    status: OrderStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Orders in it (0 included).")


@strawberry.type(description="How many organisations there are of one category.")
class OrganizationCategoryCount:
    category: OrganizationCategory = strawberry.field(description="The category.")
    count: int = strawberry.field(description="Organisations in it (0 included).")


@strawberry.type(description="How many stations there are of one kind.")
class StationKindCount:
    kind: StationKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="Stations of it (0 included).")


@strawberry.type(
    name="CityStatistics",
    description="The figures the city publishes (e.g. 14.4% of residents registered, 75% "
    "participating, 29 h per volunteer a year, 90% satisfied), for the city or one district. "
    "The period is the 12 months up to `asOf` (periodStart exclusive, asOf inclusive), counted "
    "on Huizhou's calendar. Rows count if they existed at `asOf`, in their current state (no "
    "history is kept of statuses or categories). Every rate is a float 0-1 (growth may exceed "
    "1) with the counts it divides, and null when its denominator is 0.",
)
class CityStatisticsType:
    district: DistrictType | None = strawberry.field(
        description="The district the figures are for; null for the whole city."
    )
    as_of: datetime = strawberry.field(
        description="The moment the figures are for (a future `asOf` is clamped to now)."
    )
    period_start: datetime = strawberry.field(
        description="One calendar year before asOf: start of the period, exclusive."
    )
    population: int = strawberry.field(description="Residents of the district or the city.")
    registered_volunteers: int = strawberry.field(
        description="Active volunteers registered at or before asOf (in the district: those "
        "registered there)."
    )
    volunteer_share: float | None = strawberry.field(
        description="registeredVolunteers ÷ population: their share of residents."
    )
    registered_volunteers_a_year_ago: int = strawberry.field(
        description="Of registeredVolunteers, those already registered at periodStart."
    )
    new_volunteers: int = strawberry.field(
        description="Of registeredVolunteers, those registered within the period."
    )
    growth_rate: float | None = strawberry.field(
        description="newVolunteers ÷ registeredVolunteersAYearAgo: growth over the last 12 "
        "months (may exceed 1)."
    )
    participating_volunteers: int = strawberry.field(
        description="Of registeredVolunteers, those with at least one confirmed service record "
        "that ended within the period."
    )
    participation_rate: float | None = strawberry.field(
        description="participatingVolunteers ÷ registeredVolunteers."
    )
    confirmed_hours: Decimal = strawberry.field(
        description="Hours of the confirmed service records of registeredVolunteers that "
        "ended within the period."
    )
    hours_per_volunteer: Decimal | None = strawberry.field(
        description="confirmedHours ÷ registeredVolunteers: confirmed hours per volunteer per "
        "year, two decimals."
    )
    ratings: int = strawberry.field(
        description="Orders rated within the period (in the district: orders placed there)."
    )
    satisfied_ratings: int = strawberry.field(
        description=f"Of ratings, those of {statistics.SATISFIED_RATING} or 5 stars."
    )
    satisfaction_rate: float | None = strawberry.field(description="satisfiedRatings ÷ ratings.")
    orders: int = strawberry.field(description="Orders submitted within the period.")
    orders_by_status: list[OrderStatusCount] = strawberry.field(
        description="Orders submitted within the period by their current status, every status "
        "listed."
    )
    civic_issues_filed: int = strawberry.field(
        description="Civic issues (数字城管) reported within the period and filed as cases."
    )
    civic_issues_rectified: int = strawberry.field(
        description="Of civicIssuesFiled, those whose fix stands now (rectified or verified, "
        "not reopened since; a closure without a fix never counts)."
    )
    civic_issue_rectification_rate: float | None = strawberry.field(
        description="civicIssuesRectified ÷ civicIssuesFiled (the seed's 90.9%); "
        "civicIssueStatistics has the detail."
    )
    organizations: int = strawberry.field(description="Organisations registered by asOf.")
    organizations_by_category: list[OrganizationCategoryCount] = strawberry.field(
        description="Organisations registered by asOf, by category, every category listed."
    )
    stations: int = strawberry.field(description="Stations registered by asOf.")
    stations_by_kind: list[StationKindCount] = strawberry.field(
        description="Stations registered by asOf, by kind, every kind listed."
    )

    @classmethod
    def from_statistics(cls, figures: statistics.CityStatistics) -> CityStatisticsType:
        return cls(
            district=DistrictType.from_model(figures.district) if figures.district else None,
            as_of=figures.as_of,
            period_start=figures.period_start,
            population=figures.population,
            registered_volunteers=figures.registered,
            volunteer_share=figures.share_of_residents.value,
            registered_volunteers_a_year_ago=figures.registered_a_year_ago,
            new_volunteers=figures.growth.numerator,
            growth_rate=figures.growth.value,
            participating_volunteers=figures.participating,
            participation_rate=figures.participation.value,
            confirmed_hours=figures.confirmed_hours,
            hours_per_volunteer=(
                None
                if figures.hours_per_volunteer is None
                else hundredths(figures.hours_per_volunteer)
            ),
            ratings=figures.ratings,
            satisfied_ratings=figures.satisfied_ratings,
            satisfaction_rate=figures.satisfaction.value,
            orders=sum(figures.orders_by_status.values()),
            orders_by_status=[
                OrderStatusCount(status=s, count=n) for s, n in figures.orders_by_status.items()
            ],
            civic_issues_filed=figures.civic_issues_filed,
            civic_issues_rectified=figures.civic_issues_rectified,
            civic_issue_rectification_rate=figures.civic_rectification.value,
            organizations=sum(figures.organizations_by_category.values()),
            organizations_by_category=[
                OrganizationCategoryCount(category=c, count=n)
                for c, n in figures.organizations_by_category.items()
            ],
            stations=sum(figures.stations_by_kind.values()),
            stations_by_kind=[
                StationKindCount(kind=k, count=n) for k, n in figures.stations_by_kind.items()
            ],
        )
