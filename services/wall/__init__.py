"""The dispatch-centre wall screen: what one centre's screen shows at a glance, read in a fixed
number of SQL statements (aggregates, no per-row queries), and the long-lived credential a
screen signs in with.

Consistency. The snapshot is read in one read-only transaction (REPEATABLE READ on PostgreSQL;
SQLite's read transaction is a snapshot already), and its `cursor` is the last event committed
before that transaction's snapshot. Event ids commit in id order (subscriptions/events.py), so
the snapshot reflects exactly the events up to `cursor`: a screen that applies only the feed's
events after `cursor` on top of it neither misses nor repeats a change.

Today. "Today" and the hours of the chart are Huizhou's calendar (Asia/Shanghai).

Civic issues (数字城管) routed to the centre: the open ones by status and how many cases are past
their deadline now, and the rectification rate of the issues reported in the last 30 days, by
civicIssueStatistics' rule (rectified ÷ filed: a fix that stands, over cases ever filed)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from models.accounts import Role, User
from models.civic import FIXED, OPEN_CASE, OPEN_ISSUE, CivicIssue, CivicStatus
from models.dispatch import (
    AssignmentStatus,
    CenterCoverage,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    ServiceCategory,
    ServiceOrder,
    Urgency,
)
from models.geography import Community, District
from models.stations import Station
from services import accounts
from services.common.errors import DomainError
from services.dispatch import center_family
from services.statistics import CITY_ZONE, SATISFIED_RATING, Fraction
from services.wall.activities import WallSession, sessions_today
from services.wall.errors import WallErrorCode
from settings import get_settings
from subscriptions.events import encode_cursor, latest_id

OPEN_STATUSES = (
    OrderStatus.SUBMITTED,
    OrderStatus.ASSIGNED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
)
NOT_STARTED = (OrderStatus.SUBMITTED, OrderStatus.ASSIGNED, OrderStatus.ACCEPTED)
# A board shows a few cards per column; beyond this many open orders it says "and more".
ORDER_LIMIT = 500
# The map of a centre is a sketch, not a register: a city has ~350 stations.
STATION_LIMIT = 2000
# Satisfaction of a day's few ratings jumps about, and so does rectification: a month is steadier.
SATISFACTION_DAYS = 30
RECTIFICATION_DAYS = 30
# Order points are rounded to ~100 m: the screen hangs in a room, and homes are personal data.
MAP_DECIMALS = 3
WALL_USERNAME = "wall-center-{id}"
MAX_CREDENTIAL_DAYS = 3660


def center_not_found() -> DomainError:
    return DomainError(WallErrorCode.CENTER_NOT_FOUND, "No such dispatch centre.", "center")


@dataclass(frozen=True)
class WallOrder:
    """An open order as the board shows it: no requester, address or description."""

    id: int
    status: OrderStatus
    category: ServiceCategory
    urgency: Urgency
    district_id: int
    lat: float
    lng: float
    window_start: datetime
    window_end: datetime
    routed_at: datetime
    # When it becomes overdue: unassigned past the centre's escalation time, or not started
    # by the start of its window. None once it is in progress.
    due_at: datetime | None


@dataclass(frozen=True)
class Area:
    districts: list[District]
    communities: list[Community]
    stations: list[Station]


@dataclass(frozen=True)
class CivicFigures:
    open_by_status: dict[CivicStatus, int]
    overdue: int
    rectification: Fraction


@dataclass(frozen=True)
class WallSnapshot:
    center: DispatchCenter
    as_of: datetime
    day_start: datetime
    cursor: str
    orders_today: int
    orders_per_hour: list[int]
    served_today: int
    satisfaction: Fraction
    volunteers_on_duty: int
    open_by_status: dict[OrderStatus, int]
    overdue: int
    orders: list[WallOrder]
    area: Area
    civic: CivicFigures
    activities: list[WallSession]


def local_day_start(moment: datetime) -> datetime:
    local = moment.astimezone(CITY_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def due_at(
    status: OrderStatus, routed_at: datetime, window_start: datetime, escalate_minutes: int
) -> datetime | None:
    if status == OrderStatus.SUBMITTED:
        return min(routed_at + timedelta(minutes=escalate_minutes), window_start)
    if status in NOT_STARTED:
        return window_start
    return None


async def find_center(reference: str) -> DispatchCenter:
    """A centre by its database id or its exact name (for the command line)."""
    center = None
    if reference.strip().isdigit():
        center = await DispatchCenter.get_or_none(id=int(reference))
    if center is None:
        center = await DispatchCenter.get_or_none(name=reference.strip())
    if center is None:
        raise center_not_found()
    return center


async def _area(center: DispatchCenter) -> Area:
    """The districts and communities the centre covers (the city centre: all), three or four
    statements whatever their size."""
    coverage = await CenterCoverage.filter(center_id=center.id).values_list(
        "district_id", "community_id"
    )
    districts = await District.all()
    whole = {d for d, c in coverage if c is None}
    parts = {c for _, c in coverage if c is not None}
    if not coverage:
        whole = {d.id for d in districts}
    communities = await Community.filter(Q(district_id__in=whole) | Q(id__in=parts))
    shown = whole | {c.district_id for c in communities}
    stations = (
        await Station.filter(Q(district_id__in=whole) | Q(community_id__in=parts))
        .order_by("id")
        .limit(STATION_LIMIT)
    )
    return Area([d for d in districts if d.id in shown], communities, stations)


async def _today(scope: list[int], day_start: datetime) -> tuple[int, list[int]]:
    """Orders received today and per hour of the day, in one statement."""
    hours = {
        f"h{h}": Count(
            "id",
            _filter=Q(
                created_at__gte=day_start + timedelta(hours=h),
                created_at__lt=day_start + timedelta(hours=h + 1),
            ),
        )
        for h in range(24)
    }
    row = await (
        ServiceOrder.filter(dispatch_center_id__in=scope, created_at__gte=day_start)
        .annotate(total=Count("id"), **hours)
        .first()
        .values("total", *hours)
    )
    row = row or {}
    return int(row.get("total") or 0), [int(row.get(f"h{h}") or 0) for h in range(24)]


async def _open(
    center: DispatchCenter, scope: list[int], now: datetime
) -> tuple[dict[OrderStatus, int], int]:
    """Open orders by status, and how many of them are overdue, in one statement."""
    late = Q(status__in=NOT_STARTED, window_start__lte=now) | Q(
        status=OrderStatus.SUBMITTED,
        routed_at__lte=now - timedelta(minutes=center.escalate_after_minutes),
    )
    counts: dict[str, Any] = {s.value: Count("id", _filter=Q(status=s)) for s in OPEN_STATUSES}
    row = await (
        ServiceOrder.filter(dispatch_center_id__in=scope, status__in=OPEN_STATUSES)
        .annotate(overdue=Count("id", _filter=late), **counts)
        .first()
        .values("overdue", *counts)
    )
    row = row or {}
    return {s: int(row.get(s.value) or 0) for s in OPEN_STATUSES}, int(row.get("overdue") or 0)


async def _served_today(scope: list[int], day_start: datetime) -> int:
    of_center = ServiceOrder.filter(dispatch_center_id__in=scope).values("id")
    return await OrderTransition.filter(
        to_status=OrderStatus.COMPLETED, at__gte=day_start, order_id__in=Subquery(of_center)
    ).count()


async def _satisfaction(scope: list[int], now: datetime) -> Fraction:
    row = await (
        ServiceOrder.filter(
            dispatch_center_id__in=scope,
            rating__isnull=False,
            rated_at__gt=now - timedelta(days=SATISFACTION_DAYS),
        )
        .annotate(
            ratings=Count("id"), satisfied=Count("id", _filter=Q(rating__gte=SATISFIED_RATING))
        )
        .first()
        .values("ratings", "satisfied")
    )
    row = row or {}
    return Fraction(int(row.get("satisfied") or 0), int(row.get("ratings") or 0))


async def _on_duty(scope: list[int]) -> int:
    """Volunteers checked in on one of the centre's orders now."""
    in_progress = ServiceOrder.filter(
        dispatch_center_id__in=scope, status=OrderStatus.IN_PROGRESS
    ).values("id")
    row = await (
        OrderAssignment.filter(
            status=AssignmentStatus.CHECKED_IN, order_id__in=Subquery(in_progress)
        )
        .annotate(volunteers=Count("volunteer_id", distinct=True))
        .first()
        .values("volunteers")
    )
    return int((row or {}).get("volunteers") or 0)


async def _civic(scope: list[int], now: datetime) -> CivicFigures:
    """The centre's civic issues, in one statement."""
    recent = Q(reported_at__gt=now - timedelta(days=RECTIFICATION_DAYS))
    # Prefixed: SQLite's column names ignore case, and FILED would be `filed`.
    counts: dict[str, Any] = {
        f"open_{s.value}": Count("id", _filter=Q(status=s)) for s in OPEN_ISSUE
    }
    row = await (
        CivicIssue.filter(dispatch_center_id__in=scope)
        .annotate(
            overdue=Count("id", _filter=Q(status__in=OPEN_CASE, deadline__lt=now)),
            filed=Count("id", _filter=recent & Q(filed_at__isnull=False)),
            rectified=Count("id", _filter=recent & Q(status__in=FIXED)),
            **counts,
        )
        .first()
        .values("overdue", "filed", "rectified", *counts)
    )
    row = row or {}
    return CivicFigures(
        open_by_status={s: int(row.get(f"open_{s.value}") or 0) for s in OPEN_ISSUE},
        overdue=int(row.get("overdue") or 0),
        rectification=Fraction(int(row.get("rectified") or 0), int(row.get("filed") or 0)),
    )


async def _orders(center: DispatchCenter, scope: list[int]) -> list[WallOrder]:
    rows = (
        await ServiceOrder.filter(dispatch_center_id__in=scope, status__in=OPEN_STATUSES)
        .order_by("window_start", "id")
        .limit(ORDER_LIMIT)
        .values(
            "id",
            "status",
            "category",
            "urgency",
            "district_id",
            "lat",
            "lng",
            "window_start",
            "window_end",
            "routed_at",
        )
    )
    orders = []
    for row in rows:
        status = OrderStatus(row["status"])
        orders.append(
            WallOrder(
                id=row["id"],
                status=status,
                category=ServiceCategory(row["category"]),
                urgency=Urgency(row["urgency"]),
                district_id=row["district_id"],
                lat=round(row["lat"], MAP_DECIMALS),
                lng=round(row["lng"], MAP_DECIMALS),
                window_start=row["window_start"],
                window_end=row["window_end"],
                routed_at=row["routed_at"],
                due_at=due_at(
                    status, row["routed_at"], row["window_start"], center.escalate_after_minutes
                ),
            )
        )
    return orders


async def wall_snapshot(center_id: int, now: datetime | None = None) -> WallSnapshot:
    """Everything the wall shows of one centre, consistent with the event log at `cursor`."""
    center = await DispatchCenter.get_or_none(id=center_id)
    if center is None:
        raise center_not_found()
    # One statement at a time on the transaction's connection (never gathered inside it).
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            await connection.execute_query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            )
        cursor = encode_cursor(await latest_id())
        # A centre's wall covers the centres below it too: the city's shows the whole city.
        scope = await center_family(center.id)
        moment = now or datetime.now(UTC)
        day_start = local_day_start(moment)
        orders_today, per_hour = await _today(scope, day_start)
        open_by_status, overdue = await _open(center, scope, moment)
        served = await _served_today(scope, day_start)
        satisfaction = await _satisfaction(scope, moment)
        on_duty = await _on_duty(scope)
        orders = await _orders(center, scope)
        civic = await _civic(scope, moment)
        area = await _area(center)
        activities = await sessions_today([d.id for d in area.districts], day_start)
    return WallSnapshot(
        center=center,
        as_of=moment,
        day_start=day_start,
        cursor=cursor,
        orders_today=orders_today,
        orders_per_hour=per_hour,
        served_today=served,
        satisfaction=satisfaction,
        volunteers_on_duty=on_duty,
        open_by_status=open_by_status,
        overdue=overdue,
        orders=orders,
        area=area,
        civic=civic,
        activities=activities,
    )


@dataclass(frozen=True)
class WallCredential:
    token: str
    user: User
    center: DispatchCenter
    expires_at: datetime


async def issue_wall_credential(
    center: DispatchCenter, days: int, *, revoke_previous: bool = False
) -> WallCredential:
    """A long-lived credential for the screens of one centre. It belongs to a user of its own
    (`wall-center-<id>`) whose only role is WALL_DISPLAY, and it is a refresh token in
    services.accounts' format: the page exchanges it with `refreshToken` for short-lived access
    tokens, and it stops working when it expires or when the wall user's tokens are revoked
    (`revoke_previous`, which also signs out every screen holding an older credential)."""
    if not 1 <= days <= MAX_CREDENTIAL_DAYS:
        raise DomainError(
            WallErrorCode.INVALID_DAYS, f"Give between 1 and {MAX_CREDENTIAL_DAYS} days.", "days"
        )
    username = WALL_USERNAME.format(id=center.id)
    user = await User.get_or_none(username=username)
    if user is None:
        # Nobody signs in with a password: it is random and never shown.
        user = await accounts.create_user(
            username, secrets.token_urlsafe(32), f"Wall {center.name}", [Role.WALL_DISPLAY]
        )
    elif user.roles != [Role.WALL_DISPLAY.value] or not user.is_active:
        raise DomainError(
            WallErrorCode.WALL_USER_CONFLICT,
            f"The user {username} exists with other roles or is disabled; fix it first.",
            "center",
        )
    if revoke_previous:
        await User.filter(id=user.id).update(token_version=user.token_version + 1)
        await user.refresh_from_db()
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=days)
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "typ": "refresh",
        "exp": expires_at,
        "wall": center.id,
    }
    token = jwt.encode(claims, get_settings().secret_key, algorithm="HS256")
    return WallCredential(token, user, center, expires_at)
