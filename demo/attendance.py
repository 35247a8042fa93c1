"""Demo attendance: the past year of the demo's weekend activities as it would have been
recorded — most confirmed volunteers checked in a few minutes early and out around the end
(some never came), each attendance a service record clipped to its session, a few of them
flagged (a check-in beyond the radius, a late check-out), the last week's still waiting in the
organisers' queue, the rest confirmed: counted in the volunteers' hours (and star levels) and
deposited in their time accounts, once.

Thousands of rows, so written in bulk rather than through the services one at a time (which
would take minutes); the rules are the same ones: `services.common.presence.served` clips the
hours, `credits_for` prices the deposits. Idempotent: does nothing once an activity record
exists."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from models.activities import ActivityKind, SignUp, SignUpStatus
from models.dispatch import RecordFlag, RecordStatus, ServiceRecord
from models.organizations import Membership, MembershipRole, MembershipStatus
from models.timebank import Movement, TimeAccount, Transfer, TransferKind
from models.volunteers import Volunteer, pack_tags
from services.common.presence import Refused, served
from services.rewards import levels
from services.timebank.accounts import bank_account, volunteer_account
from services.timebank.ledger import Request
from services.timebank.rules import credits_for
from subscriptions.events import atomic

NO_SHOW = 0.08
FAR_CHECK_IN = 0.03
LATE_CHECK_OUT = 0.02
# Records of sessions this recent are still waiting for the organisers.
QUEUE_DAYS = 7
BATCH = 500


def _attendance(row: dict[str, Any]) -> tuple[datetime, datetime, list[str]] | None:
    rng = random.Random(f"attendance:{row['id']}")
    if rng.random() < NO_SHOW:
        return None
    flags = []
    checked_in = row["starts_at"] - timedelta(minutes=rng.uniform(0, 12))
    checked_out = row["ends_at"] + timedelta(minutes=rng.uniform(-8, 10))
    if rng.random() < FAR_CHECK_IN:
        flags.append(RecordFlag.FAR_CHECK_IN.value)
    if rng.random() < LATE_CHECK_OUT:
        checked_out = row["ends_at"] + timedelta(minutes=50)
        flags.append(RecordFlag.BEYOND_WINDOW.value)
    return checked_in, checked_out, flags


async def _deciders() -> dict[int, int]:
    """An admin's user per organisation: who confirmed its records."""
    rows = await Membership.filter(
        role=MembershipRole.ADMIN, status=MembershipStatus.APPROVED
    ).values_list("organization_id", "volunteer__user_id")
    deciders: dict[int, int] = {}
    for organization_id, user_id in rows:
        deciders.setdefault(int(organization_id), int(user_id))
    return deciders


async def seed_attendance() -> int:
    """Returns the service records filed."""
    if await ServiceRecord.filter(sign_up_id__not_isnull=True).exists():
        return 0
    now = datetime.now(UTC)
    rows = await SignUp.filter(
        status=SignUpStatus.CONFIRMED, ends_at__lte=now, activity__kind=ActivityKind.SERVICE
    ).values("id", "volunteer_id", "starts_at", "ends_at", "activity__organization_id")
    deciders = await _deciders()
    attended: list[SignUp] = []
    records: list[ServiceRecord] = []
    for row in rows:
        seen = _attendance(row)
        if seen is None:
            continue
        checked_in, checked_out, flags = seen
        try:
            hours = served(row["starts_at"], row["ends_at"], checked_in, checked_out)
        except Refused:
            continue
        attended.append(SignUp(id=row["id"], checked_in_at=checked_in, checked_out_at=checked_out))
        organization_id = int(row["activity__organization_id"])
        confirmed = row["ends_at"] < now - timedelta(days=QUEUE_DAYS)
        records.append(
            ServiceRecord(
                sign_up_id=row["id"],
                organization_id=organization_id,
                volunteer_id=row["volunteer_id"],
                started_at=max(row["starts_at"], checked_in),
                ended_at=min(row["ends_at"], checked_out),
                hours=hours.hours,
                flags=pack_tags(flags) or None,
                status=RecordStatus.CONFIRMED if confirmed else RecordStatus.PENDING,
                decided_by_id=deciders.get(organization_id) if confirmed else None,
                decided_at=row["ends_at"] + timedelta(days=2) if confirmed else None,
                decision_note="demo data" if confirmed else "",
            )
        )
    async with atomic():
        await SignUp.bulk_update(
            attended, fields=["checked_in_at", "checked_out_at"], batch_size=BATCH
        )
        await ServiceRecord.bulk_create(records, batch_size=BATCH)
        await _count(now)
    await levels.backfill()
    return len(records)


async def _count(now: datetime) -> None:
    """The confirmed records into their volunteers' totals and time accounts: one deposit per
    record (the ledger's rule), with its two movements, and each balance raised once."""
    confirmed = await ServiceRecord.filter(
        sign_up_id__not_isnull=True, status=RecordStatus.CONFIRMED
    ).values_list("id", "volunteer_id", "hours", "decided_by_id", "decided_at")
    per_volunteer: dict[int, Decimal] = defaultdict(Decimal)
    for _, volunteer_id, hours, _, _ in confirmed:
        per_volunteer[int(volunteer_id)] += Decimal(str(hours))
    for volunteer_id, hours in per_volunteer.items():
        volunteer = await Volunteer.get(id=volunteer_id)
        await Volunteer.filter(id=volunteer_id).update(
            total_hours=volunteer.total_hours + hours, updated_at=now
        )
    bank = await bank_account()
    accounts = {v: await volunteer_account(v) for v in per_volunteer}
    transfers = []
    credited: dict[int, Decimal] = defaultdict(Decimal)
    for record_id, volunteer_id, hours, decided_by, decided_at in confirmed:
        account = accounts[int(volunteer_id)]
        amount = credits_for(Decimal(str(hours)))
        if account.cap is not None:
            room = account.cap - account.balance - credited[account.id]
            amount = min(amount, max(room, Decimal(0)))
        if amount <= 0:
            continue
        credited[account.id] += amount
        memo = f"service record {record_id}"
        request = Request(TransferKind.DEPOSIT, bank.id, account.id, amount, memo)
        transfers.append(
            Transfer(
                kind=TransferKind.DEPOSIT,
                idempotency_key=f"record:{record_id}",
                request_hash=request.digest(),
                amount=amount,
                memo=memo,
                created_by_id=decided_by,
                service_record_id=record_id,
                created_at=decided_at,
            )
        )
    await Transfer.bulk_create(transfers, batch_size=BATCH)
    made = await Transfer.filter(
        idempotency_key__in=[t.idempotency_key for t in transfers]
    ).values_list("id", "service_record_id", "amount", "created_at")
    account_of = {int(r): accounts[int(v)].id for r, v, *_ in confirmed}
    movements = []
    for transfer_id, record_id, amount, at in made:
        value = Decimal(str(amount))
        for account_id, signed in ((bank.id, -value), (account_of[int(record_id)], value)):
            movements.append(
                Movement(
                    transfer_id=transfer_id, account_id=account_id, amount=signed, created_at=at
                )
            )
    await Movement.bulk_create(movements, batch_size=BATCH)
    for account_id, amount in credited.items():
        account = await TimeAccount.get(id=account_id)
        await TimeAccount.filter(id=account_id).update(balance=account.balance + amount)
    total = sum(credited.values(), Decimal(0))
    fresh = await TimeAccount.get(id=bank.id)
    await TimeAccount.filter(id=bank.id).update(balance=fresh.balance - total)
