"""The time bank's rules on their own: what an amount, a key and a memo may be, the floor and
the cap of an account, and the error codes every rule reports with."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from models.timebank import TimeAccount
from services.common.errors import Collector, Problem
from services.timebank.errors import TimeBankErrorCode
from settings import get_settings

CENT = Decimal("0.01")
# Far above any cap; keeps amounts inside the columns' 14 digits.
MAX_AMOUNT = Decimal(1_000_000)
MAX_KEY_LENGTH = 100
MAX_MEMO_LENGTH = 200


def translated(problems: list[Problem]) -> list[Problem]:
    """Problems found by another domain's checks (an order's, a place's) under this domain's
    codes of the same name, for the time bank's payloads."""
    return [Problem(TimeBankErrorCode(p.code.value), p.message, p.field) for p in problems]


def as_credits(value: Any) -> Decimal:
    """A sum from the database as an exact cent amount (SQLite sums decimals as floats)."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def credits_for(hours: Decimal) -> Decimal:
    return (Decimal(hours) * get_settings().credits_per_hour).quantize(CENT, ROUND_HALF_UP)


def check_amount(collector: Collector, amount: Any, field: str = "amount") -> Decimal:
    """The amount as cents, or a coded problem added to `collector` (and 0 returned)."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        collector.add(TimeBankErrorCode.INVALID_AMOUNT, "Not a number.", field)
        return Decimal(0)
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        collector.add(
            TimeBankErrorCode.INVALID_AMOUNT,
            f"The amount must be more than 0 and at most {MAX_AMOUNT}.",
            field,
        )
        return Decimal(0)
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        collector.add(TimeBankErrorCode.INVALID_AMOUNT, "At most 2 decimal places.", field)
        return Decimal(0)
    return value.quantize(CENT)


def check_key_and_memo(collector: Collector, key: str, memo: str) -> None:
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


def check_input(amount: Decimal, key: str, memo: str) -> Decimal:
    """Every problem of an amount, a key and a memo at once; the amount in cents."""
    collector = Collector()
    value = check_amount(collector, amount)
    check_key_and_memo(collector, key, memo)
    collector.raise_if_any()
    return value


def check_limits(source: TimeAccount, target: TimeAccount, amount: Decimal) -> None:
    """Against balances read under the accounts' row locks."""
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
