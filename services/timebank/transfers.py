"""Credits given away: to a family member who is a volunteer too, or to a community's pool.
(Spending them on service is `timebank.spending`.)"""

from __future__ import annotations

from decimal import Decimal

from models.timebank import AccountKind, TimeAccount, Transfer, TransferKind
from services.common.errors import DomainError
from services.common.principal import Principal
from services.timebank.accounts import community_account, own_source
from services.timebank.errors import TimeBankErrorCode
from services.timebank.family import are_family
from services.timebank.ledger import Request, move
from services.timebank.rules import check_input


async def transfer(
    principal: Principal,
    from_account_id: int | None,
    to_account_id: int,
    amount: Decimal,
    idempotency_key: str,
    memo: str = "",
) -> Transfer:
    """Gives credits to the account of a confirmed family member who volunteers too.
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
    if not await are_family(source.volunteer_id, target.volunteer_id):
        raise DomainError(
            TimeBankErrorCode.NOT_A_FAMILY_MEMBER,
            "Credits go only to a family member you registered (or who registered you), "
            "once they have confirmed.",
            "to",
        )
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
