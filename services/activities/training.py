"""The training school (一校): a TRAINING activity's trainer (an admin of its organisation)
marks each confirmed participant's result once the session has begun; a pass, which needs the
participant's attendance (a check-in proven on site, services/activities/attendance.py), grants
the activity's qualification, valid for its number of days from then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.activities import Activity, ActivityKind, Qualification, SignUp, SignUpStatus
from services.activities import (
    ActivityEventType,
    emit,
    not_found,
    require_organiser,
)
from services.activities.errors import ActivityErrorCode
from services.common.errors import DomainError
from services.common.principal import Principal
from subscriptions.events import atomic


async def record_result(
    principal: Principal, sign_up_id: int, passed: bool
) -> tuple[SignUp, Qualification | None]:
    found = await SignUp.get_or_none(id=sign_up_id)
    if found is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    activity = await Activity.get(id=found.activity_id)
    await require_organiser(principal, activity.organization_id)
    if activity.kind != ActivityKind.TRAINING or activity.grants_qualification is None:
        raise DomainError(ActivityErrorCode.NOT_A_TRAINING, "Only trainings certify.")
    now = datetime.now(UTC)
    if found.starts_at > now:
        raise DomainError(
            ActivityErrorCode.SESSION_NOT_STARTED, "Mark results once the session has begun."
        )
    if passed and found.checked_in_at is None:
        raise DomainError(
            ActivityErrorCode.NOT_ATTENDED,
            "A pass needs the participant's attendance: they never checked in.",
            "signUp",
        )
    async with atomic() as tx:
        # The status condition makes a second, concurrent mark of the same sign-up fail.
        changed = await SignUp.filter(
            id=found.id, status=SignUpStatus.CONFIRMED, completed_at=None
        ).update(completed_at=now, passed=passed, decided_by_id=principal.user_id)
        if not changed:
            raise DomainError(
                ActivityErrorCode.NOT_CONFIRMED,
                "Only a confirmed participant without a result yet can be marked.",
                "signUp",
            )
        qualification = None
        if passed:
            qualification = await Qualification.create(
                volunteer_id=found.volunteer_id,
                skill=activity.grants_qualification,
                granted_at=now,
                expires_at=now + timedelta(days=activity.qualification_valid_days),
                activity_id=activity.id,
                granted_by_id=principal.user_id,
            )
        await found.refresh_from_db()
        emit(
            tx,
            activity,
            ActivityEventType.TRAINING_COMPLETED,
            sign_up=found,
            extra={"passed": passed},
        )
    return found, qualification
