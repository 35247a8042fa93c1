"""Time accounts: opened on first use (one per volunteer, per community pool, and the bank's),
and who may see an account or a transfer."""

from __future__ import annotations

from decimal import Decimal

from tortoise.expressions import Subquery

from models.accounts import Role
from models.geography import Community
from models.timebank import AccountKind, Movement, TimeAccount, Transfer
from models.volunteers import Volunteer
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.timebank.errors import TimeBankErrorCode
from settings import get_settings

BANK_KEY = "bank"


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


async def own_volunteer(principal: Principal) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(
            TimeBankErrorCode.NOT_A_VOLUNTEER, "Only registered volunteers hold a time account."
        )
    return volunteer


async def my_account(principal: Principal) -> TimeAccount:
    """The signed-in volunteer's account, opened on first use."""
    volunteer = await own_volunteer(principal)
    return await volunteer_account(volunteer.id)


async def may_view(principal: Principal, account: TimeAccount) -> bool:
    """The holder and city administrators see an account and its statement."""
    if principal.is_admin:
        return True
    if principal.user_id is None or account.volunteer_id is None:
        return False
    return await Volunteer.exists(id=account.volunteer_id, user_id=principal.user_id)


async def own_source(principal: Principal, account_id: int | None) -> TimeAccount:
    """The account credits leave: the caller's own (None) or one they hold."""
    volunteer = await own_volunteer(principal)
    if account_id is None:
        return await volunteer_account(volunteer.id)
    account = await TimeAccount.get_or_none(id=account_id)
    if account is None:
        raise DomainError(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "from")
    if account.volunteer_id != volunteer.id:
        raise NotPermitted("Only the holder moves credits out of an account.")
    return account


async def visible_transfers(principal: Principal, ids: list[int]) -> dict[int, Transfer]:
    """The transfers among `ids` the caller may see: staff see all, a volunteer those that
    moved credits in or out of their own account. One statement either way."""
    query = Transfer.filter(id__in=list(set(ids)))
    if not principal.has_role(Role.ADMIN, Role.DISPATCHER):
        own = TimeAccount.filter(volunteer__user_id=principal.user_id or 0).values("id")
        mine = Movement.filter(account_id__in=Subquery(own)).values("transfer_id")
        query = query.filter(id__in=Subquery(mine))
    return {row.id: row for row in await query}
