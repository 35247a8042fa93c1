"""The city's headline statistics (cityStatistics): the figures the seed publishes — registered
volunteers and their share of residents, growth, participation, hours per volunteer,
satisfaction — for the whole city or one district, as of a moment.

Every figure is an SQL aggregate: a fixed number of statements, whatever the size of the city.
Each is answered from a covering index: counts count an indexed NOT NULL column rather than
the id, which a PostgreSQL index does not hold (SQLite's hold the rowid), so that PostgreSQL
scans the index alone too (participation and hours, the costliest, are in
`statistics.participation`). Timings per aggregate: `python -m bench.statistics`.

Periods. "The last 12 months" is the half-open period (as_of - 1 calendar year, as_of], the
year counted on the city's calendar (Asia/Shanghai): 2024-02-29 12:00 in Huizhou looks back to
2023-02-28 12:00. Storage and results are UTC.

As of. Rows count when they existed at `as_of` (registered, created, ended or rated at or
before it), in their *current* state: the database keeps no history of a volunteer's status,
an organisation's category or an order's status, so a volunteer who left since is not counted
in a past figure either. A future `as_of` is clamped to now (the result says which moment it
used): the future has no rows yet, and a client clock a little ahead must not fail.

District. With a district, volunteers count where they are registered (and their service
records with them, wherever they served); orders, organisations, stations and civic issues
where they are."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.functions import Count

from models.dispatch import OrderStatus, ServiceOrder
from models.geography import District
from models.organizations import Organization, OrganizationCategory
from models.stations import Station, StationKind
from models.volunteers import Volunteer, VolunteerStatus
from services.civic.statistics import rectification_counts
from services.common.errors import DomainError
from services.statistics.errors import StatisticsErrorCode
from services.statistics.participation import participation

CITY_ZONE = ZoneInfo("Asia/Shanghai")
# A rating at or above this is a satisfied resident (ratings run 1-5).
SATISFIED_RATING = 4


@dataclass(frozen=True)
class Fraction:
    """A rate with the counts behind it, so a front end can say "x of y"."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """None when there is nothing to divide by: a rate of nothing is unknown, not 0."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class CityStatistics:
    district: District | None
    as_of: datetime
    period_start: datetime
    population: int
    registered: int
    registered_a_year_ago: int
    participating: int
    confirmed_hours: Decimal
    ratings: int
    satisfied_ratings: int
    orders_by_status: dict[OrderStatus, int]
    organizations_by_category: dict[OrganizationCategory, int]
    stations_by_kind: dict[StationKind, int]
    # Civic issues reported in the period: filed as cases, and of them, fixed (rectified or
    # verified, not reopened since); see services/civic/statistics.py.
    civic_issues_filed: int
    civic_issues_rectified: int

    @property
    def share_of_residents(self) -> Fraction:
        return Fraction(self.registered, self.population)

    @property
    def growth(self) -> Fraction:
        """New registrations of the period ÷ those registered at its start (may exceed 1)."""
        return Fraction(self.registered - self.registered_a_year_ago, self.registered_a_year_ago)

    @property
    def participation(self) -> Fraction:
        return Fraction(self.participating, self.registered)

    @property
    def hours_per_volunteer(self) -> float | None:
        return float(self.confirmed_hours) / self.registered if self.registered else None

    @property
    def satisfaction(self) -> Fraction:
        return Fraction(self.satisfied_ratings, self.ratings)

    @property
    def civic_rectification(self) -> Fraction:
        return Fraction(self.civic_issues_rectified, self.civic_issues_filed)


def a_year_before(moment: datetime) -> datetime:
    """The same wall-clock time one calendar year earlier in Huizhou (29 Feb → 28 Feb)."""
    local = moment.astimezone(CITY_ZONE)
    try:
        earlier = local.replace(year=local.year - 1)
    except ValueError:
        earlier = local.replace(year=local.year - 1, day=28)
    return earlier.astimezone(UTC)


def _as_of(given: datetime | None, now: datetime) -> datetime:
    """A naive moment is wall-clock time in Huizhou; the future is clamped to now."""
    if given is None:
        return now
    if given.tzinfo is None:
        given = given.replace(tzinfo=CITY_ZONE)
    return min(given.astimezone(UTC), now)


async def _population(district_id: int | None) -> tuple[District | None, int]:
    """One statement: every district (there are eight), the chosen one among them."""
    districts = await District.all()
    if district_id is None:
        return None, sum(d.population for d in districts)
    for district in districts:
        if district.id == district_id:
            return district, district.population
    raise DomainError(StatisticsErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")


async def _volunteers(where: dict[str, Any], as_of: datetime, start: datetime) -> tuple[int, int]:
    row = (
        await Volunteer.filter(status=VolunteerStatus.ACTIVE, registered_at__lte=as_of, **where)
        .annotate(
            registered=Count("status"),
            before=Count("status", _filter=Q(registered_at__lte=start)),
        )
        .first()
        .values("registered", "before")
    )
    return (row["registered"] or 0, row["before"] or 0) if row else (0, 0)


async def _ratings(where: dict[str, Any], as_of: datetime, start: datetime) -> tuple[int, int]:
    row = (
        await ServiceOrder.filter(
            rating__isnull=False, rated_at__gt=start, rated_at__lte=as_of, **where
        )
        .annotate(
            ratings=Count("rating"),
            satisfied=Count("rating", _filter=Q(rating__gte=SATISFIED_RATING)),
        )
        .first()
        .values("ratings", "satisfied")
    )
    return (row["ratings"] or 0, row["satisfied"] or 0) if row else (0, 0)


async def _orders(
    where: dict[str, Any], as_of: datetime, start: datetime
) -> dict[OrderStatus, int]:
    """Orders submitted in the period, by their current status; every status present."""
    rows = (
        await ServiceOrder.filter(created_at__gt=start, created_at__lte=as_of, **where)
        .annotate(count=Count("status"))
        .group_by("status")
        .values_list("status", "count")
    )
    found = {OrderStatus(status): count for status, count in rows}
    return {status: found.get(status, 0) for status in OrderStatus}


async def _organizations(where: dict[str, Any], as_of: datetime) -> dict[OrganizationCategory, int]:
    rows = (
        await Organization.filter(created_at__lte=as_of, **where)
        .annotate(count=Count("id"))
        .group_by("category")
        .values_list("category", "count")
    )
    found = {OrganizationCategory(category): count for category, count in rows}
    return {category: found.get(category, 0) for category in OrganizationCategory}


async def _stations(where: dict[str, Any], as_of: datetime) -> dict[StationKind, int]:
    rows = (
        await Station.filter(created_at__lte=as_of, **where)
        .annotate(count=Count("id"))
        .group_by("kind")
        .values_list("kind", "count")
    )
    found = {StationKind(kind): count for kind, count in rows}
    return {kind: found.get(kind, 0) for kind in StationKind}


async def city_statistics(
    district_id: int | None = None,
    as_of: datetime | None = None,
    now: datetime | None = None,
) -> CityStatistics:
    """The figures for one district, or the whole city without one; eight statements. They
    run concurrently: a query opens no transaction (on PostgreSQL each takes a pooled
    connection; SQLite's one connection takes them in turn)."""
    moment = _as_of(as_of, now or datetime.now(UTC))
    start = a_year_before(moment)
    district, population = await _population(district_id)
    where = {} if district_id is None else {"district_id": district_id}
    # A task of its own beside the gather (whose typing stops at six awaitables).
    civic = asyncio.ensure_future(rectification_counts(district_id, start, moment))
    (
        (registered, before),
        (participating, hours),
        (ratings, satisfied),
        orders,
        organizations,
        stations,
    ) = await asyncio.gather(
        _volunteers(where, moment, start),
        participation(district_id, moment, start),
        _ratings(where, moment, start),
        _orders(where, moment, start),
        _organizations(where, moment),
        _stations(where, moment),
    )
    civic_rectified, civic_filed = await civic
    return CityStatistics(
        district=district,
        as_of=moment,
        period_start=start,
        population=population,
        registered=registered,
        registered_a_year_ago=before,
        participating=participating,
        confirmed_hours=hours,
        ratings=ratings,
        satisfied_ratings=satisfied,
        orders_by_status=orders,
        organizations_by_category=organizations,
        stations_by_kind=stations,
        civic_issues_filed=civic_filed,
        civic_issues_rectified=civic_rectified,
    )
