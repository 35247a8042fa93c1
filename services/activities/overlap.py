"""The activities' half of the double-booking rule (services/dispatch/assignments.py's
`busy_volunteers` joins it with the orders' half). Only models here: dispatch imports this
module, and must not import the rest of the activities domain, which builds on dispatch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from models.activities import HOLDING_SIGN_UP, SignUp


async def signed_up_volunteers(
    volunteer_ids: Sequence[int], start: datetime, end: datetime, *, except_session: int = 0
) -> set[int]:
    """Volunteers with a pending or confirmed sign-up whose session overlaps [start, end)."""
    if not volunteer_ids:
        return set()
    query = SignUp.filter(
        volunteer_id__in=list(volunteer_ids),
        status__in=list(HOLDING_SIGN_UP),
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if except_session:
        query = query.exclude(session_id=except_session)
    rows: list[Any] = await query.values_list("volunteer_id", flat=True)
    return {int(v) for v in rows}
