"""Civic issues (数字城管): the catalogue, reporting with photos, and reading issues back.

The public functions here and in `services.civic.lifecycle` are the whole of the domain that
the GraphQL schema and the Open311 endpoint call: `categories`, `report_issue`, `list_issues`,
`get_issue`, `similar_issues`, and the lifecycle moves. Issues are public (the city publishes
them); who reported one is shown per `reporter_access`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.queryset import QuerySet

from models.civic import (
    OPEN_ISSUE,
    CivicAction,
    CivicCategory,
    CivicIssue,
    CivicSource,
    CivicStatus,
    PhotoPhase,
)
from models.geography import Community, District
from services.civic import photos as civic_photos
from services.civic.errors import CivicErrorCode
from services.civic.events import record
from services.common.distance import haversine_meters
from services.common.errors import Collector, NotAuthenticated, NotPermitted
from services.common.identity import normalise_phone
from services.common.principal import Principal, Scope
from services.dispatch import STAFF, route
from services.stations import Box
from services.volunteers import CITY_BOUNDS
from subscriptions.events import atomic

SIMILAR_WITHIN_METERS = 50.0
MAX_REPORT_PHOTOS = 3
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def categories(include_inactive: bool = False) -> list[CivicCategory]:
    query = CivicCategory.all() if include_inactive else CivicCategory.filter(active=True)
    return await query.order_by("position", "id")


async def category_by_code(code: str) -> CivicCategory | None:
    return await CivicCategory.get_or_none(code=code)


def new_token() -> str:
    """The public reference: 12 characters of Crockford-style base32 (no I, L, O, U), so it
    can be read out on the phone and cannot be guessed from a neighbour's."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _source_allowed(principal: Principal, source: CivicSource) -> bool:
    if source is CivicSource.OPEN311:
        return principal.has_scope(Scope.OPEN311_WRITE) or principal.has_role(*STAFF)
    if source is CivicSource.PHONE:
        return principal.has_role(*STAFF)
    return principal.user_id is not None


async def _place(
    lat: float, lng: float, district_id: int | None, community_id: int | None
) -> tuple[int, int | None]:
    """The district and community of a point: as given, else those of the nearest community
    centre (Open311 clients send only a position)."""
    if district_id is not None:
        return district_id, community_id
    communities = await Community.all()
    if not communities:
        district = await District.all().order_by("id").first()
        assert district is not None, "reference data is loaded at start-up"
        return district.id, None
    nearest = min(communities, key=lambda c: haversine_meters(lat, lng, c.center_lat, c.center_lng))
    return nearest.district_id, nearest.id


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


async def _check_report(
    collector: Collector,
    category: CivicCategory | None,
    description: str,
    lat: float,
    lng: float,
    address: str,
    contact: Contact,
    district_id: int | None,
    community_id: int | None,
) -> None:
    if category is None or not category.active:
        collector.add(CivicErrorCode.UNKNOWN_CATEGORY, "No such category.", "category")
    if not 2 <= len(description.strip()) <= 2000:
        collector.add(
            CivicErrorCode.INVALID_DESCRIPTION, "Describe the problem (2-2000).", "description"
        )
    if len(address.strip()) > 256:
        collector.add(CivicErrorCode.INVALID_ADDRESS, "At most 256 characters.", "address")
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    if not (lat_min <= lat <= lat_max and lng_min <= lng <= lng_max):
        collector.add(CivicErrorCode.INVALID_LOCATION, "The place must be in Huizhou.", "location")
    if contact.phone and normalise_phone(contact.phone) is None:
        collector.add(CivicErrorCode.INVALID_PHONE, "Not a phone number.", "contactPhone")
    if contact.email and (len(contact.email) > 254 or not _EMAIL.match(contact.email)):
        collector.add(CivicErrorCode.INVALID_EMAIL, "Not an e-mail address.", "contactEmail")
    if len(contact.name) > 64:
        collector.add(CivicErrorCode.INVALID_CONTACT, "At most 64 characters.", "contactName")
    if district_id is not None and not await District.exists(id=district_id):
        collector.add(CivicErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
    elif community_id is not None and (
        district_id is None or not await Community.exists(id=community_id, district_id=district_id)
    ):
        collector.add(CivicErrorCode.UNKNOWN_COMMUNITY, "No such community.", "community")


async def report_issue(
    principal: Principal | None,
    *,
    category_code: str,
    description: str,
    lat: float,
    lng: float,
    address: str = "",
    photos: Sequence[tuple[str, bytes]] = (),
    source: CivicSource = CivicSource.APP,
    anonymous: bool = False,
    district_id: int | None = None,
    community_id: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> CivicIssue:
    """A resident, a civic supervisor (APP, 1-3 photos), a dispatcher taking a call (PHONE) or
    a third-party app (OPEN311, scope open311:write) reports a problem; 0-3 photos for the
    last two. Every problem of the input, each bad photo by its index (`photos.1`), is
    reported at once, and then nothing is stored: no issue, no file."""
    if principal is None or not principal.is_authenticated:
        raise NotAuthenticated()
    if not _source_allowed(principal, source):
        raise NotPermitted(f"You cannot report through {source.value}.")
    category = await category_by_code(category_code)
    contact = Contact(contact_name.strip(), contact_phone.strip(), contact_email.strip())
    collector = Collector()
    await _check_report(
        collector, category, description, lat, lng, address, contact, district_id, community_id
    )
    if source is CivicSource.APP and not photos:
        collector.add(CivicErrorCode.PHOTO_REQUIRED, "Add 1-3 photos of the problem.", "photos")
    if len(photos) > MAX_REPORT_PHOTOS:
        collector.add(CivicErrorCode.TOO_MANY_PHOTOS, "At most 3 photos.", "photos")
        photos = ()
    cleaned = await civic_photos.prepare(photos, collector)
    collector.raise_if_any()
    assert category is not None
    district, community = await _place(lat, lng, district_id, community_id)
    center = await route(district, community)
    now = datetime.now(UTC)
    stored = await civic_photos.store(cleaned)
    try:
        async with atomic() as tx:
            issue = await CivicIssue.create(
                token=new_token(),
                reporter_id=principal.user_id,
                anonymous=anonymous,
                contact_name=contact.name,
                contact_phone=normalise_phone(contact.phone) or "" if contact.phone else "",
                contact_email=contact.email,
                source=source,
                api_client_id=principal.api_client_id,
                category_id=category.id,
                description=description.strip(),
                lat=lat,
                lng=lng,
                address=address.strip(),
                district_id=district,
                community_id=community,
                dispatch_center_id=center.id,
                reported_at=now,
                updated_at=now,
            )
            await civic_photos.attach(issue.id, PhotoPhase.REPORT, principal.user_id, stored, now)
            await record(
                tx,
                issue,
                None,
                CivicAction.REPORT,
                principal.user_id,
                f"routed to {center.name}",
                now,
            )
    except BaseException:
        await civic_photos.discard(stored)
        raise
    return issue


@dataclass
class IssueFilter:
    district_id: int | None = None
    category_ids: list[int] | None = None
    # Open311's service_code filter: catalogue codes.
    category_codes: list[str] | None = None
    status: list[CivicStatus] | None = None
    reporter_id: int | None = None
    dispatch_center_id: int | None = None
    tokens: list[str] | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None


def list_issues(criteria: IssueFilter | None = None) -> QuerySet[CivicIssue]:
    """Every issue matching the filter (issues are public), for the caller to order and page."""
    query = CivicIssue.all()
    if criteria is None:
        return query
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    if criteria.category_ids is not None:
        query = query.filter(category_id__in=criteria.category_ids)
    if criteria.category_codes is not None:
        query = query.filter(category__code__in=criteria.category_codes)
    if criteria.status:
        query = query.filter(status__in=criteria.status)
    if criteria.reporter_id is not None:
        query = query.filter(reporter_id=criteria.reporter_id)
    if criteria.dispatch_center_id is not None:
        query = query.filter(dispatch_center_id=criteria.dispatch_center_id)
    if criteria.tokens is not None:
        query = query.filter(token__in=criteria.tokens)
    if criteria.reported_from is not None:
        query = query.filter(reported_at__gte=criteria.reported_from)
    if criteria.reported_to is not None:
        query = query.filter(reported_at__lt=criteria.reported_to)
    return query


async def get_issue(key: int | str) -> CivicIssue | None:
    """By database id or by public token."""
    if isinstance(key, int):
        return await CivicIssue.get_or_none(id=key)
    return await CivicIssue.get_or_none(token=key.strip().upper())


async def similar_issues(
    lat: float, lng: float, category_code: str, within: float = SIMILAR_WITHIN_METERS
) -> list[tuple[CivicIssue, float]]:
    """Open issues of the category within `within` metres, nearest first: an indexed bounding
    box in SQL, then the exact great-circle distance."""
    category = await category_by_code(category_code)
    if category is None:
        return []
    box = Box.around(lat, lng, within)
    rows = await CivicIssue.filter(
        category_id=category.id,
        status__in=OPEN_ISSUE,
        lat__gte=box.lat_min,
        lat__lte=box.lat_max,
        lng__gte=box.lng_min,
        lng__lte=box.lng_max,
    ).limit(500)
    found = [(row, haversine_meters(lat, lng, row.lat, row.lng)) for row in rows]
    return sorted(((r, d) for r, d in found if d <= within), key=lambda f: (f[1], f[0].id))


class ReporterAccess:
    """How much of an issue's reporter a caller sees."""

    FULL = "FULL"  # staff, and the reporter themself: who, and how to reach them
    MASKED = "MASKED"  # the public: a masked name
    HIDDEN = "HIDDEN"  # the public, when the reporter asked to stay anonymous


def reporter_access(principal: Principal, issue: CivicIssue) -> str:
    if principal.has_role(*STAFF):
        return ReporterAccess.FULL
    if principal.user_id is not None and principal.user_id == issue.reporter_id:
        return ReporterAccess.FULL
    return ReporterAccess.HIDDEN if issue.anonymous else ReporterAccess.MASKED


def mask_name(name: str) -> str:
    """张三丰 → 张**, Alice → A****: enough to recognise one's own report, no more."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""
