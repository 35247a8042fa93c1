"""What a wall screen may read: exactly what the wall page (api/static/wall/wall.js) selects,
and nothing else that is not public. `wallSnapshot` and `dispatchFeed` open themselves by naming
WALL_DISPLAY in their `requires(...)`; everything below them is opened here, field by field.
A field not listed is refused to a wall screen (schema/core/permissions.py), so a field added
to any of these types later stays closed to the wall until someone adds it here.

The order an event carries is the full `ServiceOrder`; the wall reads no requester, address,
description or comment of it, and its `location` is rounded for a wall screen as the
snapshot's points are."""

from __future__ import annotations

from schema.accounts.mutations import Mutation as AccountMutation
from schema.accounts.types import AccountError, AuthPayload, LogoutPayload
from schema.civic.types import CivicCategoryType, CivicIssueEvent, CivicIssueType
from schema.core.permissions import open_to_wall
from schema.dispatch.types import DispatchCenterType, DispatchEvent, OrderType, WallEvent
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from schema.stations.types import StationType
from schema.statistics.types import OrderStatusCount
from schema.wall.types import (
    WallActivityEvent,
    WallActivitySession,
    WallCivicCount,
    WallMap,
    WallOrder,
    WallSnapshotType,
)

EVENT = ("cursor", "occurred_at")


def open_wall_fields() -> None:
    """Opens them; `build_schema` calls it (again: it is idempotent)."""
    # Signing in with the wall credential (`refreshToken`) and reading the answer; a screen
    # may also sign its own credential out (`logout` ends only the session it names).
    open_to_wall(AccountMutation, "login", "refresh_token", "logout")
    open_to_wall(AuthPayload, "token", "expires_at", "errors")
    open_to_wall(LogoutPayload, "errors")
    open_to_wall(AccountError, "code", "message", "field")

    # wallSnapshot: made for the wall, every field of it.
    open_to_wall(
        WallSnapshotType,
        *[
            "center",
            "as_of",
            "day_start",
            "cursor",
            "orders_today",
            "orders_per_hour",
            "served_today",
            "ratings",
            "satisfied_ratings",
            "satisfaction_rate",
            "volunteers_on_duty",
            "open_orders",
            "overdue_orders",
            "civic_issues",
            "civic_issues_overdue",
            "civic_issues_filed",
            "civic_issues_rectified",
            "civic_issue_rectification_rate",
            "orders",
            "orders_truncated",
            "map",
            "activities",
        ],
    )
    # The activities panel: today's sessions and their places.
    open_to_wall(
        WallActivitySession,
        "id",
        "activity_id",
        "title",
        "category",
        "starts_at",
        "ends_at",
        "filled",
        "quota",
        "district",
    )
    open_to_wall(
        WallOrder,
        *[
            "id",
            "order_id",
            "status",
            "category",
            "urgency",
            "location",
            "window_start",
            "window_end",
            "routed_at",
            "due_at",
            "overdue",
            "district",
        ],
    )
    open_to_wall(WallMap, "districts", "communities", "stations")
    open_to_wall(WallCivicCount, "status", "count")
    open_to_wall(OrderStatusCount, "status", "count")
    open_to_wall(DispatchCenterType, "id", "name", "escalate_after_minutes")
    open_to_wall(DistrictType, "id", "name", "name_en", "center")
    open_to_wall(CommunityType, "id", "center", "district")
    open_to_wall(StationType, "id", "kind", "location")
    open_to_wall(GeoPoint, "lat", "lng")

    # dispatchFeed.
    open_to_wall(WallEvent, *EVENT)
    open_to_wall(DispatchEvent, *EVENT, "type", "status", "order_id", "order")
    open_to_wall(
        OrderType,
        "id",
        "category",
        "urgency",
        "window_start",
        "window_end",
        "location",
        "district",
        "dispatch_center",
    )
    open_to_wall(
        CivicIssueEvent,
        *EVENT,
        "event_type",
        "issue_status",
        "previous_issue_status",
        "civic_issue_id",
        "civic_issue",
    )
    open_to_wall(CivicIssueType, "category", "district")
    open_to_wall(
        WallActivityEvent,
        *EVENT,
        "activity_event_type",
        "activity_id",
        "session_id",
        "filled",
        "quota",
    )
    open_to_wall(CivicCategoryType, "name_zh", "name_en")
