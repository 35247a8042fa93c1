"""Stations and the 10-minute service circle (10分钟志愿服务圈): nearest stations on foot, and how
much of a district lives within a 10-minute walk of one.

Distances are great-circle (haversine) on a sphere of the Earth's mean radius, and walking
reach assumes WALKING_METERS_PER_MINUTE (80 m/min = 4.8 km/h, a relaxed adult pace; straight
line, not along streets, so reach is an upper bound). The database narrows candidates with a
bounding box on the indexed (lat, lng) pair; only those few rows are measured exactly here."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.accounts import Role
from models.dispatch import ServiceCategory
from models.geography import Community, District
from models.organizations import Organization
from models.stations import Station, StationKind
from models.volunteers import pack_tags
from services.audit import Actor, snapshot
from services.common.distance import EARTH_RADIUS_METERS, haversine_meters
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.principal import Principal
from services.organizations import lookups as organization_lookups
from services.stations.errors import StationErrorCode
from services.volunteers import CITY_BOUNDS

WALKING_METERS_PER_MINUTE = 80.0
# What the audit log keeps of a station, before and after a change.
STATION_FIELDS = (
    "kind",
    "name",
    "address",
    "lat",
    "lng",
    "district_id",
    "community_id",
    "organization_id",
    "opening_hours",
    "services",
)
CIRCLE_MINUTES = 10
MAX_WALKING_MINUTES = 60
MAX_NEARBY_RESULTS = 100
# How far beyond the circle coverage still looks for a community's nearest station; a
# community farther than this from every station reports no distance.
COVERAGE_SEARCH_MARGIN_METERS = 5_000.0
# Dispatch centres are offices that route orders, not places a resident walks into; the circle
# is made of the seed's 站、岗、点、室 and the community service stations.
CIRCLE_KINDS = tuple(kind for kind in StationKind if kind != StationKind.DISPATCH_CENTER)
# About a centimetre: keeps a point exactly on the circle inside the prefilter despite rounding.
_BOX_SLACK_DEGREES = 1e-7


def walking_minutes(meters: float) -> float:
    return meters / WALKING_METERS_PER_MINUTE


def _lat_degrees(meters: float) -> float:
    return math.degrees(meters / EARTH_RADIUS_METERS)


@dataclass(frozen=True)
class Box:
    lat_min: float
    lat_max: float
    lng_min: float
    lng_max: float

    @classmethod
    def around(cls, lat: float, lng: float, meters: float) -> Box:
        """The smallest lat/lng box holding every point within `meters` of (lat, lng): the
        longitude half-width is that of the circle's tangent meridians, asin(sin δ / cos φ)."""
        angle = meters / EARTH_RADIUS_METERS
        d_lat = math.degrees(angle) + _BOX_SLACK_DEGREES
        ratio = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-12)
        d_lng = (math.degrees(math.asin(ratio)) if ratio < 1 else 180.0) + _BOX_SLACK_DEGREES
        return cls(lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng)

    @classmethod
    def covering(cls, points: Iterable[tuple[float, float]], meters: float) -> Box:
        boxes = [cls.around(lat, lng, meters) for lat, lng in points]
        return cls(
            min(b.lat_min for b in boxes),
            max(b.lat_max for b in boxes),
            min(b.lng_min for b in boxes),
            max(b.lng_max for b in boxes),
        )

    def filter(self, query: QuerySet[Station]) -> QuerySet[Station]:
        return query.filter(
            lat__gte=self.lat_min,
            lat__lte=self.lat_max,
            lng__gte=self.lng_min,
            lng__lte=self.lng_max,
        )


def _inside_city(lat: float, lng: float) -> bool:
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    return lat_min <= lat <= lat_max and lng_min <= lng <= lng_max


@dataclass(frozen=True)
class NearbyStation:
    station: Station
    distance_meters: float

    @property
    def walking_minutes(self) -> float:
        return walking_minutes(self.distance_meters)


async def nearby_stations(
    lat: float,
    lng: float,
    within_minutes: int = CIRCLE_MINUTES,
    kind: StationKind | None = None,
    first: int = 20,
) -> list[NearbyStation]:
    """Stations within `within_minutes` on foot of the point, nearest first (ties by id)."""
    collector = Collector()
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    if not lat_min <= lat <= lat_max:
        collector.add(StationErrorCode.INVALID_LOCATION, "Give a latitude inside Huizhou.", "lat")
    if not lng_min <= lng <= lng_max:
        collector.add(StationErrorCode.INVALID_LOCATION, "Give a longitude inside Huizhou.", "lng")
    if not 1 <= within_minutes <= MAX_WALKING_MINUTES:
        collector.add(
            StationErrorCode.INVALID_WALKING_TIME,
            f"Walking time must be 1-{MAX_WALKING_MINUTES} minutes.",
            "withinMinutes",
        )
    if not 1 <= first <= MAX_NEARBY_RESULTS:
        collector.add(
            StationErrorCode.INVALID_FIRST, f"`first` must be 1-{MAX_NEARBY_RESULTS}.", "first"
        )
    collector.raise_if_any()
    reach = within_minutes * WALKING_METERS_PER_MINUTE
    query = Box.around(lat, lng, reach).filter(Station.all())
    if kind is not None:
        query = query.filter(kind=kind)
    found = []
    for station in await query:
        distance = haversine_meters(lat, lng, station.lat, station.lng)
        if distance <= reach:
            found.append(NearbyStation(station, distance))
    found.sort(key=lambda n: (n.distance_meters, n.station.id))
    return found[:first]


@dataclass(frozen=True)
class UncoveredCommunity:
    community: Community
    # None when no station is within COVERAGE_SEARCH_MARGIN_METERS beyond the circle.
    nearest_station_meters: float | None


@dataclass(frozen=True)
class Coverage:
    communities: int
    communities_covered: int
    population: int
    population_covered: int
    uncovered: list[UncoveredCommunity] = field(default_factory=list)
    walking_speed_meters_per_minute: float = WALKING_METERS_PER_MINUTE
    minutes: int = CIRCLE_MINUTES

    @property
    def community_share(self) -> float:
        return self.communities_covered / self.communities if self.communities else 0.0

    @property
    def population_share(self) -> float:
        return self.population_covered / self.population if self.population else 0.0


class _StationIndex:
    """Station points sorted by latitude: each lookup measures only the stations in a
    latitude band, not every station of the city."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.points = sorted(points)
        self.lats = [p[0] for p in self.points]

    def nearest(self, lat: float, lng: float, within: float) -> float | None:
        band = _lat_degrees(within) + _BOX_SLACK_DEGREES
        best: float | None = None
        for s_lat, s_lng in self.points[
            bisect_left(self.lats, lat - band) : bisect_right(self.lats, lat + band)
        ]:
            distance = haversine_meters(lat, lng, s_lat, s_lng)
            if distance <= within and (best is None or distance < best):
                best = distance
        return best


async def service_circle_coverage(
    district_id: int | None = None, minutes: int = CIRCLE_MINUTES
) -> Coverage:
    """Which communities (by centre point) have a station of CIRCLE_KINDS within `minutes` on
    foot, and how many residents that covers. Two statements: the communities, then the
    station points in their bounding box widened by the walk and the search margin. The
    uncovered communities come most populous first: where a new station helps most."""
    query = Community.all() if district_id is None else Community.filter(district_id=district_id)
    communities = await query.order_by("id")
    if district_id is not None and not communities and not await District.exists(id=district_id):
        raise DomainError(StationErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
    reach = minutes * WALKING_METERS_PER_MINUTE
    search = reach + COVERAGE_SEARCH_MARGIN_METERS
    points: list[tuple[float, float]] = []
    if communities:
        box = Box.covering(((c.center_lat, c.center_lng) for c in communities), search)
        rows = await box.filter(Station.filter(kind__in=list(CIRCLE_KINDS))).values_list(
            "lat", "lng"
        )
        points = [(float(lat), float(lng)) for lat, lng in rows]
    index = _StationIndex(points)
    covered = covered_population = 0
    uncovered = []
    for community in communities:
        nearest = index.nearest(community.center_lat, community.center_lng, search)
        if nearest is not None and nearest <= reach:
            covered += 1
            covered_population += community.population
        else:
            uncovered.append(UncoveredCommunity(community, nearest))
    uncovered.sort(key=lambda u: (-u.community.population, u.community.id))
    return Coverage(
        communities=len(communities),
        communities_covered=covered,
        population=sum(c.population for c in communities),
        population_covered=covered_population,
        uncovered=uncovered,
        minutes=minutes,
    )


@dataclass
class NewStation:
    kind: StationKind
    name: str
    address: str
    lat: float
    lng: float
    district_id: int
    community_id: int | None = None
    organization_id: int | None = None
    opening_hours: str = ""
    services: list[ServiceCategory] = field(default_factory=list)


async def _check_permission(principal: Principal, data: NewStation) -> None:
    """ADMIN: any station. ORG_ADMIN: a station their own organisation operates, not a
    dispatch centre."""
    user_id = principal.require_user()
    if principal.is_admin:
        return
    if not principal.has_role(Role.ORG_ADMIN):
        raise NotPermitted("Only administrators and organisation admins open stations.")
    if data.kind == StationKind.DISPATCH_CENTER:
        raise NotPermitted("Only a city administrator registers a dispatch centre.")
    managed = (await organization_lookups.admin_organization_ids_of_users([user_id]))[0]
    if data.organization_id is None or data.organization_id not in managed:
        raise NotPermitted("Organisation admins open stations for their own organisation only.")


async def check_station(data: NewStation, collector: Collector) -> None:
    """Every problem of a station's data (new, or as a change would leave it)."""
    name = data.name.strip()
    if not 2 <= len(name) <= 128:
        collector.add(StationErrorCode.INVALID_NAME, "Give a name of 2-128.", "name")
    address = data.address.strip()
    if not 2 <= len(address) <= 256:
        collector.add(StationErrorCode.INVALID_ADDRESS, "Give an address of 2-256.", "address")
    hours = data.opening_hours.strip()
    if len(hours) > 256:
        collector.add(
            StationErrorCode.INVALID_OPENING_HOURS, "Keep opening hours under 256.", "openingHours"
        )
    if not _inside_city(data.lat, data.lng):
        collector.add(StationErrorCode.INVALID_LOCATION, "Give a point inside Huizhou.", "location")
    if not await District.exists(id=data.district_id):
        collector.add(StationErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
    elif data.community_id is not None and not await Community.exists(
        id=data.community_id, district_id=data.district_id
    ):
        collector.add(
            StationErrorCode.UNKNOWN_COMMUNITY, "No such community in that district.", "community"
        )
    if data.organization_id is not None and not await Organization.exists(id=data.organization_id):
        collector.add(
            StationErrorCode.UNKNOWN_ORGANIZATION, "No such organisation.", "organization"
        )


def station_values(data: NewStation) -> dict[str, Any]:
    """The columns of a station's checked data."""
    return {
        "kind": data.kind,
        "name": data.name.strip(),
        "address": data.address.strip(),
        "lat": data.lat,
        "lng": data.lng,
        "district_id": data.district_id,
        "community_id": data.community_id,
        "organization_id": data.organization_id,
        "opening_hours": data.opening_hours.strip(),
        "services": pack_tags([s.value for s in data.services]),
    }


async def create_station(principal: Principal, data: NewStation) -> Station:
    await _check_permission(principal, data)
    return await register_station(await Actor.of(principal), data)


async def register_station(actor: Actor, data: NewStation) -> Station:
    """`create_station` for an actor already permitted (the console administers the city)."""
    collector = Collector()
    await check_station(data, collector)
    collector.raise_if_any()
    try:
        async with in_transaction():
            station = await Station.create(**station_values(data))
            after = snapshot(station, STATION_FIELDS)
            await actor.record("createStation", "Station", station.id, None, after)
            return station
    except IntegrityError as exc:
        raise DomainError(
            StationErrorCode.DUPLICATE_NAME, "A station with this name already exists.", "name"
        ) from exc


@dataclass
class StationFilter:
    kind: StationKind | None = None
    district_id: int | None = None


def filtered(criteria: StationFilter) -> QuerySet[Station]:
    query = Station.all()
    if criteria.kind is not None:
        query = query.filter(kind=criteria.kind)
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    return query
