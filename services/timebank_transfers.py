"""What a volunteer does with credits: give them to another volunteer, donate them to a
community's pool, or spend them on service."""

from __future__ import annotations

from decimal import Decimal

from models.timebank import AccountKind, TimeAccount, Transfer, TransferKind
from services.errors import DomainError
from services.principal import Principal
from services.timebank_accounts import (
    bank_account,
    community_account,
    own_source,
    own_volunteer,
    volunteer_account,
)
from services.timebank_ledger import Request, move, replay, scoped_key
from services.timebank_rules import TimeBankErrorCode, check_input
from services.volunteers import star_level
from settings import get_settings


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
    value = check_input(amount, idempotency_key, memo)
    source = await own_source(principal, from_account_id)
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
    request = Request(TransferKind.TRANSFER, source.id, target.id, value, memo.strip())
    return await move(principal, request, idempotency_key)


async def donate(
    principal: Principal, amount: Decimal, community_id: int, idempotency_key: str, memo: str = ""
) -> Transfer:
    """Gives credits to a community's pool."""
    principal.require_user()
    value = check_input(amount, idempotency_key, memo)
    source = await own_source(principal, None)
    target = await community_account(community_id)
    request = Request(TransferKind.DONATION, source.id, target.id, value, memo.strip())
    return await move(principal, request, idempotency_key)


async def spend(
    principal: Principal, amount: Decimal, idempotency_key: str, memo: str = ""
) -> Transfer:
    """Withdraws credits back to the bank in exchange for service, from the configured star
    level (TIMEBANK_MIN_STAR_LEVEL) up."""
    user_id = principal.require_user()
    value = check_input(amount, idempotency_key, memo)
    volunteer = await own_volunteer(principal)
    source = await volunteer_account(volunteer.id)
    bank = await bank_account()
    request = Request(TransferKind.WITHDRAWAL, source.id, bank.id, value, memo.strip())
    # A retry of a spend that went through is answered even if the level has changed since.
    replayed = await replay(scoped_key(user_id, idempotency_key), request)
    if replayed is not None:
        return replayed
    needed = get_settings().timebank_min_star_level
    if star_level(volunteer.total_hours) < needed:
        raise DomainError(
            TimeBankErrorCode.STAR_LEVEL_TOO_LOW,
            f"Credits can be spent from star level {needed}.",
        )
    return await move(principal, request, idempotency_key)
