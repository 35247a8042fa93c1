"""The community service bank (社区服务银行, "serve to be served"): confirmed hours are deposited
as credits, which a volunteer may give to another volunteer (a family member), donate to a
community's pool, or spend on service for themselves.

Double entry: a transfer writes two movements that sum to zero, and each account's cached
balance moves with them in the same transaction. Both account rows are locked in id order first
(on PostgreSQL; SQLite serialises writers), so concurrent transfers neither lose an update nor
deadlock, and the floor and cap are checked against balances nobody else can change meanwhile.
`verify_ledger` proves the cached balances equal the sums of the movements.

Idempotency: a money-moving call carries a key, scoped to the caller. The same key with the same
request returns the first transfer and moves nothing more; with a different request it is
IDEMPOTENCY_KEY_REUSED. A failed request stores nothing, so retrying it is evaluated afresh.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum

from models.dispatch import ServiceRecord
from models.geography import Community
from models.timebank import AccountKind, Movement, TimeAccount, Transfer, TransferKind
from models.volunteers import Volunteer
from services.errors import Collector, DomainError, NotPermitted
from services.principal import Principal
from services.volunteers import star_level
from settings import get_settings
from subscriptions.events import EventTransaction, atomic

CENT = Decimal("0.01")
# Far above any cap; keeps amounts inside the columns' 14 digits.
MAX_AMOUNT = Decimal(1_000_000)
MAX_KEY_LENGTH = 100
MAX_MEMO_LENGTH = 200
MAX_STATEMENT_DAYS = 366
BANK_KEY = "bank"


class TimeBankErrorCode(str, Enum):
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    MEMO_TOO_LONG = "MEMO_TOO_LONG"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    VOLUNTEER_NOT_FOUND = "VOLUNTEER_NOT_FOUND"
    COMMUNITY_NOT_FOUND = "COMMUNITY_NOT_FOUND"
    NOT_A_VOLUNTEER = "NOT_A_VOLUNTEER"
    INVALID_RECIPIENT = "INVALID_RECIPIENT"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    BELOW_FLOOR = "BELOW_FLOOR"
    ABOVE_CAP = "ABOVE_CAP"
    STAR_LEVEL_TOO_LOW = "STAR_LEVEL_TOO_LOW"
    INVALID_PERIOD = "INVALID_PERIOD"


TIME_TRANSFERRED = "TIME_TRANSFERRED"


def account_topic(account_id: int) -> str:
    return f"timeaccount:{account_id}"


def _decimal(value: Any) -> Decimal:
    """A sum from the database as an exact cent amount (SQLite sums decimals as floats)."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


# Opening accounts ------------------------------------------------------------------------------


async def _open(kind: AccountKind, owner_key: str, **owner: int) -> TimeAccount:
    """The account, created on first use. `ON CONFLICT DO NOTHING` on the unique owner key
    lets two first uses race (also inside a transaction) without either failing."""
    found = await TimeAccount.get_or_none(owner_key=owner_key)
    if found is not None:
        return found
    settings = get_settings()
    floor: Decimal | None = None
    cap: Decimal | None = None
    if kind == AccountKind.VOLUNTEER:
        floor, cap = settings.timebank_floor, settings.timebank_cap
    elif kind == AccountKind.COMMUNITY_POOL:
        floor = Decimal(0)
    await TimeAccount.bulk_create(
        [TimeAccount(kind=kind, owner_key=owner_key, floor=floor, cap=cap, **owner)],
        ignore_conflicts=True,
    )
    return await TimeAccount.get(owner_key=owner_key)


async def bank_account() -> TimeAccount:
    return await _open(AccountKind.BANK, BANK_KEY)


async def volunteer_account(volunteer_id: int) -> TimeAccount:
    if not await Volunteer.exists(id=volunteer_id):
        raise DomainError(TimeBankErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "to")
    return await _open(
        AccountKind.VOLUNTEER, f"volunteer:{volunteer_id}", volunteer_id=volunteer_id
    )


async def community_account(community_id: int) -> TimeAccount:
    if not await Community.exists(id=community_id):
        raise DomainError(TimeBankErrorCode.COMMUNITY_NOT_FOUND, "No such community.", "community")
    return await _open(
        AccountKind.COMMUNITY_POOL, f"community:{community_id}", community_id=community_id
    )


async def _own_volunteer(principal: Principal) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(
            TimeBankErrorCode.NOT_A_VOLUNTEER, "Only registered volunteers hold a time account."
        )
    return volunteer


async def my_account(principal: Principal) -> TimeAccount:
    """The signed-in volunteer's account, opened on first use."""
    volunteer = await _own_volunteer(principal)
    return await volunteer_account(volunteer.id)


async def may_view(principal: Principal, account: TimeAccount) -> bool:
    """The holder and city administrators see an account and its statement."""
    if principal.is_admin:
        return True
    if principal.user_id is None or account.volunteer_id is None:
        return False
    return await Volunteer.exists(id=account.volunteer_id, user_id=principal.user_id)


# Moving credits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    kind: TransferKind
    source_id: int
    target_id: int
    amount: Decimal
    memo: str

    def digest(self) -> str:
        canonical = [self.kind.value, self.source_id, self.target_id, str(self.amount), self.memo]
        return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def _check_input(amount: Decimal, key: str, memo: str) -> Decimal:
    collector = Collector()
    value = Decimal(0)
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        collector.add(TimeBankErrorCode.INVALID_AMOUNT, "Not a number.", "amount")
    else:
        if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
            collector.add(
                TimeBankErrorCode.INVALID_AMOUNT,
                f"The amount must be more than 0 and at most {MAX_AMOUNT}.",
                "amount",
            )
        elif value != value.quantize(CENT, rounding=ROUND_HALF_UP):
            collector.add(TimeBankErrorCode.INVALID_AMOUNT, "At most 2 decimal places.", "amount")
    if not 1 <= len(key.strip()) <= MAX_KEY_LENGTH or key != key.strip():
        collector.add(
            TimeBankErrorCode.INVALID_IDEMPOTENCY_KEY,
            f"Give a key of 1-{MAX_KEY_LENGTH} characters without surrounding spaces.",
            "idempotencyKey",
        )
    if len(memo) > MAX_MEMO_LENGTH:
        collector.add(
            TimeBankErrorCode.MEMO_TOO_LONG, f"At most {MAX_MEMO_LENGTH} characters.", "memo"
        )
    collector.raise_if_any()
    return value.quantize(CENT)


def _scoped_key(user_id: int, key: str) -> str:
    return f"u{user_id}:{key}"


async def _replay(key: str, request: _Request) -> Transfer | None:
    existing = await Transfer.get_or_none(idempotency_key=key)
    if existing is None:
        return None
    if existing.request_hash != request.digest():
        raise DomainError(
            TimeBankErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different request.",
            "idempotencyKey",
        )
    return existing


async def _locked(source_id: int, target_id: int) -> tuple[TimeAccount, TimeAccount]:
    """Both accounts, row-locked in id order so two opposite transfers cannot deadlock."""
    rows = await (
        TimeAccount.filter(id__in=sorted({source_id, target_id})).order_by("id").select_for_update()
    )
    by_id = {row.id: row for row in rows}
    return by_id[source_id], by_id[target_id]


def _check_limits(source: TimeAccount, target: TimeAccount, amount: Decimal) -> None:
    collector = Collector()
    if source.floor is not None and source.balance - amount < source.floor:
        collector.add(
            TimeBankErrorCode.BELOW_FLOOR,
            f"Only {source.balance - source.floor} credits can leave this account.",
            "amount",
        )
    if target.cap is not None and target.balance + amount > target.cap:
        collector.add(
            TimeBankErrorCode.ABOVE_CAP,
            f"The receiving account can take only {max(target.cap - target.balance, 0)} more.",
            "amount",
        )
    collector.raise_if_any()


async def _write(
    tx: EventTransaction,
    request: _Request,
    source: TimeAccount,
    target: TimeAccount,
    key: str,
    created_by_id: int | None,
    service_record_id: int | None = None,
) -> Transfer:
    """The transfer, its two movements and both cached balances. The caller holds the locks,
    so the balances read are current and plain assignments lose no update."""
    now = datetime.now(UTC)
    transfer = await Transfer.create(
        kind=request.kind,
        idempotency_key=key,
        request_hash=request.digest(),
        amount=request.amount,
        memo=request.memo,
        created_by_id=created_by_id,
        service_record_id=service_record_id,
        created_at=now,
    )
    await Movement.create(
        transfer_id=transfer.id, account_id=source.id, amount=-request.amount, created_at=now
    )
    await Movement.create(
        transfer_id=transfer.id, account_id=target.id, amount=request.amount, created_at=now
    )
    await TimeAccount.filter(id=source.id).update(balance=source.balance - request.amount)
    await TimeAccount.filter(id=target.id).update(balance=target.balance + request.amount)
    tx.record(
        TIME_TRANSFERRED,
        [account_topic(source.id), account_topic(target.id)],
        {
            "transferId": transfer.id,
            "kind": request.kind.value,
            "amount": str(request.amount),
            "from": source.id,
            "to": target.id,
        },
    )
    return transfer


async def _move(principal: Principal, request: _Request, client_key: str) -> Transfer:
    user_id = principal.require_user()
    key = _scoped_key(user_id, client_key)
    replayed = await _replay(key, request)
    if replayed is not None:
        return replayed
    try:
        async with atomic() as tx:
            source, target = await _locked(request.source_id, request.target_id)
            _check_limits(source, target, request.amount)
            return await _write(tx, request, source, target, key, user_id)
    except IntegrityError:
        # The same key, committed by a concurrent request between our look-up and our insert.
        replayed = await _replay(key, request)
        if replayed is None:
            raise
        return replayed


async def _own_source(principal: Principal, account_id: int | None) -> TimeAccount:
    volunteer = await _own_volunteer(principal)
    if account_id is None:
        return await volunteer_account(volunteer.id)
    account = await TimeAccount.get_or_none(id=account_id)
    if account is None:
        raise DomainError(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "from")
    if account.volunteer_id != volunteer.id:
        raise NotPermitted("Only the holder moves credits out of an account.")
    return account


async def transfer(
    principal: Principal,
    from_account_id: int | None,
    to_account_id: int,
    amount: Decimal,
    idempotency_key: str,
    memo: str = "",
) -> Transfer:
    """Gives credits to another volunteer's account, e.g. a registered family member's.
    `from_account_id` None means the caller's own account."""
    principal.require_user()
    value = _check_input(amount, idempotency_key, memo)
    source = await _own_source(principal, from_account_id)
    target = await TimeAccount.get_or_none(id=to_account_id)
    if target is None:
        raise DomainError(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "to")
    if target.kind != AccountKind.VOLUNTEER:
        raise DomainError(
            TimeBankErrorCode.INVALID_RECIPIENT,
            "Transfers go to a volunteer's account; donate to a community's pool instead.",
            "to",
        )
    if target.id == source.id:
        raise DomainError(TimeBankErrorCode.SAME_ACCOUNT, "That is your own account.", "to")
    request = _Request(TransferKind.TRANSFER, source.id, target.id, value, memo.strip())
    return await _move(principal, request, idempotency_key)


async def donate(
    principal: Principal, amount: Decimal, community_id: int, idempotency_key: str, memo: str = ""
) -> Transfer:
    """Gives credits to a community's pool."""
    principal.require_user()
    value = _check_input(amount, idempotency_key, memo)
    source = await _own_source(principal, None)
    target = await community_account(community_id)
    request = _Request(TransferKind.DONATION, source.id, target.id, value, memo.strip())
    return await _move(principal, request, idempotency_key)


async def spend(
    principal: Principal, amount: Decimal, idempotency_key: str, memo: str = ""
) -> Transfer:
    """Withdraws credits back to the bank in exchange for service, from the configured star
    level (TIMEBANK_MIN_STAR_LEVEL) up."""
    user_id = principal.require_user()
    value = _check_input(amount, idempotency_key, memo)
    volunteer = await _own_volunteer(principal)
    source = await volunteer_account(volunteer.id)
    bank = await bank_account()
    request = _Request(TransferKind.WITHDRAWAL, source.id, bank.id, value, memo.strip())
    # A retry of a spend that went through is answered even if the level has changed since.
    replayed = await _replay(_scoped_key(user_id, idempotency_key), request)
    if replayed is not None:
        return replayed
    needed = get_settings().timebank_min_star_level
    if star_level(volunteer.total_hours) < needed:
        raise DomainError(
            TimeBankErrorCode.STAR_LEVEL_TOO_LOW,
            f"Credits can be spent from star level {needed}.",
        )
    return await _move(principal, request, idempotency_key)


def credits_for(hours: Decimal) -> Decimal:
    return (Decimal(hours) * get_settings().credits_per_hour).quantize(CENT, ROUND_HALF_UP)


async def deposit_for_record(
    tx: EventTransaction, record: ServiceRecord, hours: Decimal, confirmed_by: int | None
) -> Transfer | None:
    """Inside the transaction that confirms `record`: credits the volunteer for its hours,
    once (the record is unique among deposits). What would lift the balance above the cap is
    not credited; the hours still count towards the star level. None if nothing was credited."""
    existing = await Transfer.get_or_none(service_record_id=record.id)
    if existing is not None:
        return existing
    target = await volunteer_account(record.volunteer_id)
    bank = await bank_account()
    source, target = await _locked(bank.id, target.id)
    amount = credits_for(hours)
    if target.cap is not None:
        amount = min(amount, max(target.cap - target.balance, Decimal(0)))
    if amount <= 0:
        return None
    request = _Request(
        TransferKind.DEPOSIT, source.id, target.id, amount, f"service record {record.id}"
    )
    return await _write(tx, request, source, target, f"record:{record.id}", confirmed_by, record.id)


# Statements and the ledger check ---------------------------------------------------------------


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
    opening = _decimal(before[0]["total"] if before else None)
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


@dataclass(frozen=True)
class LedgerCheck:
    accounts: int
    transfers: int
    mismatched_accounts: list[int]
    unbalanced_transfers: list[int]

    @property
    def ok(self) -> bool:
        return not self.mismatched_accounts and not self.unbalanced_transfers


async def verify_ledger() -> LedgerCheck:
    """Every cached balance equals the sum of its movements; every transfer has exactly two
    movements that sum to zero. Two aggregate queries, whatever the size of the ledger."""
    sums = {
        row["account_id"]: _decimal(row["total"])
        for row in await Movement.all()
        .group_by("account_id")
        .annotate(total=Sum("amount"))
        .values("account_id", "total")
    }
    accounts = await TimeAccount.all().values_list("id", "balance")
    mismatched = [
        int(account_id)
        for account_id, balance in accounts
        if _decimal(balance) != sums.get(account_id, Decimal(0))
    ]
    sides = {
        row["transfer_id"]: (_decimal(row["total"]), row["n"])
        for row in await Movement.all()
        .group_by("transfer_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .values("transfer_id", "total", "n")
    }
    transfer_ids = [int(row["id"]) for row in await Transfer.all().values("id")]
    unbalanced = [
        transfer_id
        for transfer_id in transfer_ids
        if sides.get(transfer_id, (Decimal(1), 0)) != (Decimal(0), 2)
    ]
    return LedgerCheck(len(accounts), len(transfer_ids), mismatched, unbalanced)
