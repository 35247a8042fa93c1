"""Star levels (1★-5★ at STAR_THRESHOLDS confirmed hours) and the date each was reached.

A level is reached inside the transaction whose confirmation lifted the volunteer's total
across its threshold (also a confirmation of corrected hours), and the achievement row is
written there, so there is no reached level without its date and no date without the hours.

When hours go down (nothing in the dispatch flow lowers them today, but an administrator's
reversal of a wrongly confirmed record would), the current star level follows the hours at
once — `star_level(total_hours)` is what eligibility reads — and the achievements above it are
kept as history with `lost_at` set: an honour once earned is recorded, not erased. Reaching the
level again clears `lost_at` and keeps the first `reached_at`.

Volunteers whose hours predate this history (imported totals, demo data) get their levels
filled in by `backfill`, marked `backfilled` and dated when the backfill ran: the real date is
unknown, and we do not invent one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.dispatch import ServiceRecord
from models.rewards import StarLevelAchievement
from models.volunteers import Volunteer
from services.rewards import RewardsEvent, placeholders, volunteer_rewards_topic
from services.volunteers import star_level
from settings import get_settings
from subscriptions.events import EventTransaction


async def hours_changed(
    tx: EventTransaction,
    volunteer_id: int,
    before: Decimal,
    after: Decimal,
    record_id: int | None,
    now: datetime | None = None,
) -> None:
    """Inside the transaction that moved a volunteer's confirmed hours from `before` to
    `after`: records the levels reached, or marks the levels lost."""
    old, new = star_level(before), star_level(after)
    if old == new:
        return
    now = now or datetime.now(UTC)
    topics = [volunteer_rewards_topic(volunteer_id)]
    if new < old:
        await StarLevelAchievement.filter(
            volunteer_id=volunteer_id, level__gt=new, lost_at__isnull=True
        ).update(lost_at=now)
        tx.record(RewardsEvent.STAR_LEVEL_LOST.value, topics, _payload(volunteer_id, new, after))
        return
    levels = range(old + 1, new + 1)
    earlier = {
        int(row["level"])
        for row in await StarLevelAchievement.filter(
            volunteer_id=volunteer_id, level__in=list(levels)
        ).values("level")
    }
    if earlier:
        await StarLevelAchievement.filter(volunteer_id=volunteer_id, level__in=earlier).update(
            lost_at=None
        )
    await StarLevelAchievement.bulk_create(
        [
            StarLevelAchievement(
                volunteer_id=volunteer_id,
                level=level,
                reached_at=now,
                hours_at_reach=after,
                service_record_id=record_id,
            )
            for level in levels
            if level not in earlier
        ]
    )
    tx.record(RewardsEvent.STAR_LEVEL_REACHED.value, topics, _payload(volunteer_id, new, after))


def _payload(volunteer_id: int, level: int, hours: Decimal) -> dict[str, object]:
    return {"volunteerId": volunteer_id, "starLevel": level, "totalHours": str(hours)}


async def after_confirmation(tx: EventTransaction, record: ServiceRecord, counted: Decimal) -> None:
    """Called by the confirmation of `record` once the volunteer's total includes `counted`.
    The total was raised by a row-locking UPDATE in this transaction, so concurrent
    confirmations of one volunteer pass here one after another, each seeing the other's."""
    total = (await Volunteer.get(id=record.volunteer_id)).total_hours
    await hours_changed(tx, record.volunteer_id, total - counted, total, record.id)


async def backfill(now: datetime | None = None) -> int:
    """Levels held without an achievement row, filled in (backfilled, dated `now`) with one
    INSERT ... SELECT per level: cheap at city scale, and a second run adds nothing."""
    now = now or datetime.now(UTC)
    async with in_transaction() as connection:
        # Tortoise reports no row count for an INSERT on asyncpg: count before and after.
        before = await StarLevelAchievement.all().using_db(connection).count()
        when, flag = placeholders(connection, 2)
        for level, threshold in enumerate(get_settings().star_thresholds, start=1):
            # Both numbers are ours (a counter and a Decimal parsed from the settings), so they
            # are written inline. SQLite keeps decimals as text: compare them as numbers.
            sql = (
                "INSERT INTO star_level_achievement "  # noqa: S608 - our numbers, see above
                "(volunteer_id, level, reached_at, hours_at_reach, backfilled) "
                f"SELECT v.id, {level:d}, {when}, v.total_hours, {flag} FROM volunteer v "
                f"WHERE CAST(v.total_hours AS NUMERIC) >= {Decimal(threshold):f} "
                "AND NOT EXISTS (SELECT 1 FROM star_level_achievement a "
                f"WHERE a.volunteer_id = v.id AND a.level = {level:d})"
            )
            await connection.execute_query(sql, [now, True])
        return await StarLevelAchievement.all().using_db(connection).count() - before
