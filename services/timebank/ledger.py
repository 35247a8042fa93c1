"""The double-entry core: a transfer and its two movements, written under both accounts' row
locks, with idempotency keys; and `verify_ledger`, which proves the books.

Both account rows are locked in id order first (on PostgreSQL; SQLite serialises writers), so
concurrent transfers neither lose an update nor deadlock, and the floor and cap are checked
against balances nobody else can change meanwhile.

Idempotency: a money-moving call carries a key, scoped to the caller. The same key with the same
request returns the first transfer and moves nothing more; with a different request it is
IDEMPOTENCY_KEY_REUSED. A failed request stores nothing, so retrying it is evaluated afresh."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum

from models.timebank import Movement, TimeAccount, Transfer, TransferKind
from services.common.errors import DomainError
from services.common.principal import Principal
from services.timebank.errors import TimeBankErrorCode
from services.timebank.rules import as_credits, check_limits
from subscriptions.events import EventTransaction, atomic

TIME_TRANSFERRED = "TIME_TRANSFERRED"


def account_topic(account_id: int) -> str:
    return f"timeaccount:{account_id}"


@dataclass(frozen=True)
class Request:
    kind: TransferKind
    source_id: int
    target_id: int
    amount: Decimal
    memo: str
    # What else the request asks for (a spend's order), so that a retry with another order
    # under the same key is told apart. Empty for plain transfers, whose digests predate it.
    detail: str = ""

    def digest(self) -> str:
        canonical = [self.kind.value, self.source_id, self.target_id, str(self.amount), self.memo]
        if self.detail:
            canonical.append(self.detail)
        return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def scoped_key(user_id: int, key: str) -> str:
    return f"u{user_id}:{key}"


async def replay(key: str, request: Request) -> Transfer | None:
    """The transfer made earlier under `key`, if any; an error if it was another request."""
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


async def locked(source_id: int, target_id: int) -> tuple[TimeAccount, TimeAccount]:
    """Both accounts, row-locked in id order so two opposite transfers cannot deadlock."""
    rows = await (
        TimeAccount.filter(id__in=sorted({source_id, target_id})).order_by("id").select_for_update()
    )
    by_id = {row.id: row for row in rows}
    return by_id[source_id], by_id[target_id]


async def write(
    tx: EventTransaction,
    request: Request,
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


# What a move writes with its transfer, in the same transaction (a spend's order).
Then = Callable[[EventTransaction, Transfer], Awaitable[None]]


async def move(
    principal: Principal, request: Request, client_key: str, then: Then | None = None
) -> Transfer:
    """One transaction: lock, check the limits, write the transfer (and `then`). A replayed
    key returns the first transfer and runs nothing."""
    user_id = principal.require_user()
    key = scoped_key(user_id, client_key)
    replayed = await replay(key, request)
    if replayed is not None:
        return replayed
    try:
        async with atomic() as tx:
            source, target = await locked(request.source_id, request.target_id)
            check_limits(source, target, request.amount)
            transfer = await write(tx, request, source, target, key, user_id)
            if then is not None:
                await then(tx, transfer)
            return transfer
    except IntegrityError:
        # The same key, committed by a concurrent request between our look-up and our insert.
        replayed = await replay(key, request)
        if replayed is None:
            raise
        return replayed


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
        row["account_id"]: as_credits(row["total"])
        for row in await Movement.all()
        .group_by("account_id")
        .annotate(total=Sum("amount"))
        .values("account_id", "total")
    }
    accounts = await TimeAccount.all().values_list("id", "balance")
    mismatched = [
        int(account_id)
        for account_id, balance in accounts
        if as_credits(balance) != sums.get(account_id, Decimal(0))
    ]
    sides = {
        row["transfer_id"]: (as_credits(row["total"]), row["n"])
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
