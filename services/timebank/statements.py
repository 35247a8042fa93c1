"""An account's statement: its bookings in a period with the running balance, and as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.functions import Sum

from models.timebank import Movement, TimeAccount, Transfer
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.timebank.accounts import may_view
from services.timebank.errors import TimeBankErrorCode
from services.timebank.rules import as_credits

MAX_STATEMENT_DAYS = 366


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    transfer: Transfer
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    account: TimeAccount
    start: datetime
    end: datetime
    opening_balance: Decimal
    closing_balance: Decimal
    lines: list[StatementLine] = field(default_factory=list)


async def statement(
    principal: Principal, account_id: int, start: datetime, end: datetime
) -> Statement:
    """Movements in [start, end) in the order they were booked, each with the balance after
    it: the opening balance (everything before `start`) plus the running sum."""
    principal.require_user()
    account = await TimeAccount.get_or_none(id=account_id)
    if account is None:
        raise DomainError(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "account")
    if not await may_view(principal, account):
        raise NotPermitted("Only the holder or an administrator reads a statement.")
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError(TimeBankErrorCode.INVALID_PERIOD, "Give times with a zone.", "from")
    if not start < end <= start + timedelta(days=MAX_STATEMENT_DAYS):
        raise DomainError(
            TimeBankErrorCode.INVALID_PERIOD,
            f"`from` must be before `to`, at most {MAX_STATEMENT_DAYS} days apart.",
            "to",
        )
    before = (
        await Movement.filter(account_id=account.id, created_at__lt=start)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    opening = as_credits(before[0]["total"] if before else None)
    # Movements of one account are written under its row lock, so id order is booking order.
    rows = (
        await Movement.filter(account_id=account.id, created_at__gte=start, created_at__lt=end)
        .order_by("id")
        .select_related("transfer")
    )
    running = opening
    lines = []
    for row in rows:
        running += row.amount
        lines.append(StatementLine(row, row.transfer, running))
    return Statement(account, start, end, opening, running, lines)


def _cell(text: str) -> str:
    # A memo opening with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def statement_csv(found: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["booked_at", "transfer", "kind", "memo", "amount", "balance"])
    writer.writerow([found.start.isoformat(), "", "OPENING", "", "", found.opening_balance])
    for line in found.lines:
        writer.writerow(
            [
                line.movement.created_at.isoformat(),
                line.transfer.id,
                line.transfer.kind.value,
                _cell(line.transfer.memo),
                line.movement.amount,
                line.balance,
            ]
        )
    writer.writerow([found.end.isoformat(), "", "CLOSING", "", "", found.closing_balance])
    return out.getvalue()
