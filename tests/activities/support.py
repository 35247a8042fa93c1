"""Helpers for the activities tests: an organisation with its admin, and activities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from strawberry import relay

from models.activities import Activity, ActivityPosition, ActivitySession
from models.organizations import OrganizationCategory
from services.activities import catalogue
from services.common.principal import Principal
from tests.support import make_organization, make_volunteer

CLINIC_LAT, CLINIC_LNG = 23.0837, 114.3828


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def organiser(username: str = "organiser") -> tuple[Principal, int]:
    """A volunteer who founded (and so administers) an organisation."""
    _, principal, _ = await make_volunteer(username)
    organization_id = await make_organization(principal, f"{username}的志愿服务队")
    return principal, organization_id


def new_activity(organization_id: int, **overrides: Any) -> catalogue.NewActivity:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    values: dict[str, Any] = {
        "organization_id": organization_id,
        "title": "周末义诊",
        "category": OrganizationCategory.PUBLIC_HEALTH,
        "address": "惠城区江北文昌一路 8 号好人驿站",
        "lat": CLINIC_LAT,
        "lng": CLINIC_LNG,
        "positions": [catalogue.NewPosition(name="导诊", quota=2)],
        "sessions": [(start, start + timedelta(hours=2, minutes=30))],
    }
    values.update(overrides)
    return catalogue.NewActivity(**values)


async def published(admin: Principal, organization_id: int, **overrides: Any) -> Activity:
    activity = await catalogue.create_activity(admin, new_activity(organization_id, **overrides))
    return await catalogue.publish(admin, activity.id)


async def first_session(activity: Activity) -> ActivitySession:
    session = await ActivitySession.filter(activity_id=activity.id).order_by("starts_at").first()
    assert session is not None
    return session


async def first_position(activity: Activity) -> ActivityPosition:
    position = await ActivityPosition.filter(activity_id=activity.id).order_by("id").first()
    assert position is not None
    return position


async def volunteers(count: int, prefix: str = "vol") -> list[Principal]:
    return [(await make_volunteer(f"{prefix}-{i}"))[1] for i in range(count)]
