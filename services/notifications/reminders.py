"""The periodic check behind reminders: benefit codes about to expire. Each reminder is logged
as an event once (a unique row per kind and object, written in the event's transaction), so
every process may run the check and the worker's scan turns the event into notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from models.notifications import NotificationReminder
from models.rewards import Redemption, RedemptionStatus
from services.notifications.recipients import BENEFIT_CODE_EXPIRING
from services.rewards import volunteer_rewards_topic
from subscriptions.events import atomic

BATCH = 200


async def log_expiring_codes(now: datetime, notice: timedelta) -> int:
    """Logs a BENEFIT_CODE_EXPIRING event for each unused code that expires within `notice`
    and was not reminded of yet; returns how many it logged."""
    reminded = NotificationReminder.filter(kind=BENEFIT_CODE_EXPIRING).values("object_id")
    due = (
        await Redemption.filter(
            status=RedemptionStatus.ISSUED, expires_at__gt=now, expires_at__lte=now + notice
        )
        .exclude(id__in=Subquery(reminded))
        .order_by("id")
        .limit(BATCH)
    )
    logged = 0
    for redemption in due:
        payload: dict[str, Any] = {
            "redemptionId": redemption.id,
            "benefitId": redemption.benefit_id,
            "volunteerId": redemption.volunteer_id,
            "expiresAt": redemption.expires_at.isoformat(),
        }
        try:
            async with atomic() as tx:
                await NotificationReminder.create(
                    kind=BENEFIT_CODE_EXPIRING, object_id=redemption.id
                )
                tx.record(
                    BENEFIT_CODE_EXPIRING,
                    [volunteer_rewards_topic(redemption.volunteer_id)],
                    payload,
                )
        except IntegrityError:
            continue  # another process reminded of it first
        logged += 1
    return logged
