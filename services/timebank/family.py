"""Family members registered with the bank (家庭成员). A volunteer registers a relative who has
their own sign-in, named by username, who then confirms the link; or a named dependant without
one (an elderly parent, a small child), whom the volunteer vouches for and who counts at once.
Credits are given only between confirmed relatives (either way round, both having agreed), and
service bought for a relative is requested at the address registered for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models.accounts import User
from models.timebank import FamilyLinkStatus, FamilyMember, FamilyRelation
from models.volunteers import Volunteer
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.principal import Principal
from services.dispatch.orders import check_place
from services.timebank.accounts import own_volunteer
from services.timebank.errors import TimeBankErrorCode
from services.timebank.rules import translated
from subscriptions.events import atomic

# A household, generously counted; a bound keeps one account from linking to everyone.
MAX_FAMILY_MEMBERS = 20


@dataclass
class NewFamilyMember:
    relation: FamilyRelation
    address: str
    lat: float
    lng: float
    district_id: int
    community_id: int | None = None
    # A relative with an account is named by their username; a dependant by `name` alone.
    member_username: str | None = None
    name: str = ""


async def _member_user(
    collector: Collector, data: NewFamilyMember, holder: Volunteer
) -> User | None:
    if data.member_username is None:
        if not 1 <= len(data.name.strip()) <= 64:
            collector.add(TimeBankErrorCode.INVALID_NAME, "Name the dependant (1-64).", "name")
        return None
    user = await User.get_or_none(username=data.member_username.strip(), is_active=True)
    if user is None:
        collector.add(TimeBankErrorCode.MEMBER_NOT_FOUND, "No such user.", "memberUsername")
    elif user.id == holder.user_id:
        collector.add(TimeBankErrorCode.SAME_PERSON, "That is you.", "memberUsername")
    if len(data.name) > 64:
        collector.add(TimeBankErrorCode.INVALID_NAME, "At most 64 characters.", "name")
    return user


async def register_family_member(principal: Principal, data: NewFamilyMember) -> FamilyMember:
    """Registers (or re-registers a removed) relative of the signed-in volunteer."""
    holder = await own_volunteer(principal)
    collector = Collector()
    user = await _member_user(collector, data, holder)
    place = Collector()
    await check_place(place, data.address, data.lat, data.lng, data.district_id, data.community_id)
    collector.problems += translated(place.problems)
    collector.raise_if_any()
    key = f"user:{user.id}" if user else f"name:{data.name.strip()}"
    name = data.name.strip() or (user.display_name if user else "")
    values: dict[str, Any] = {
        "member_user_id": user.id if user else None,
        "name": name,
        "relation": data.relation,
        # A dependant has nobody to confirm; a relative with an account must agree.
        "status": FamilyLinkStatus.PENDING if user else FamilyLinkStatus.ACTIVE,
        "address": data.address.strip(),
        "lat": data.lat,
        "lng": data.lng,
        "district_id": data.district_id,
        "community_id": data.community_id,
        "confirmed_at": None if user else datetime.now(UTC),
        "removed_at": None,
    }
    try:
        return await _write_link(holder.id, key, values)
    except IntegrityError as error:
        # The same relative, registered by a concurrent request (SQLite takes no row lock).
        raise DomainError(
            TimeBankErrorCode.ALREADY_REGISTERED, "This relative is registered already."
        ) from error


async def _write_link(holder_id: int, key: str, values: dict[str, Any]) -> FamilyMember:
    async with atomic():
        # The holder's row serialises their registrations, so the count below holds.
        await Volunteer.filter(id=holder_id).select_for_update().first()
        existing = await FamilyMember.get_or_none(holder_id=holder_id, member_key=key)
        if existing is not None and existing.status != FamilyLinkStatus.REMOVED:
            raise DomainError(
                TimeBankErrorCode.ALREADY_REGISTERED, "This relative is registered already."
            )
        current = FamilyMember.filter(holder_id=holder_id).exclude(status=FamilyLinkStatus.REMOVED)
        if await current.count() >= MAX_FAMILY_MEMBERS:
            raise DomainError(
                TimeBankErrorCode.TOO_MANY_FAMILY_MEMBERS,
                f"At most {MAX_FAMILY_MEMBERS} family members.",
            )
        if existing is None:
            return await FamilyMember.create(holder_id=holder_id, member_key=key, **values)
        await FamilyMember.filter(id=existing.id).update(**values)
        await existing.refresh_from_db()
        return existing


async def _link(link_id: int) -> FamilyMember:
    link = await FamilyMember.get_or_none(id=link_id)
    if link is None or link.status == FamilyLinkStatus.REMOVED:
        raise DomainError(TimeBankErrorCode.FAMILY_MEMBER_NOT_FOUND, "No such family member.", "id")
    return link


async def confirm_family_member(principal: Principal, link_id: int) -> FamilyMember:
    """The relative named by a link agrees to it."""
    user_id = principal.require_user()
    link = await _link(link_id)
    if link.member_user_id != user_id:
        raise NotPermitted("Only the relative named confirms a family link.")
    await FamilyMember.filter(id=link.id, status=FamilyLinkStatus.PENDING).update(
        status=FamilyLinkStatus.ACTIVE, confirmed_at=datetime.now(UTC)
    )
    await link.refresh_from_db()
    return link


async def remove_family_member(principal: Principal, link_id: int) -> FamilyMember:
    """Either side ends a link. Orders already bought for the relative stand."""
    user_id = principal.require_user()
    link = await _link(link_id)
    holder_user = await Volunteer.filter(id=link.holder_id).values_list("user_id", flat=True)
    if user_id not in (link.member_user_id, *holder_user):
        raise NotPermitted("Only the volunteer or the relative ends a family link.")
    await FamilyMember.filter(id=link.id).update(
        status=FamilyLinkStatus.REMOVED, removed_at=datetime.now(UTC)
    )
    await link.refresh_from_db()
    return link


async def family_links_of(principal: Principal) -> list[FamilyMember]:
    """The links the signed-in person registered, and those that name them (to confirm)."""
    user_id = principal.require_user()
    return (
        await FamilyMember.filter(Q(holder__user_id=user_id) | Q(member_user_id=user_id))
        .exclude(status=FamilyLinkStatus.REMOVED)
        .order_by("id")
    )


async def may_view_family_member(principal: Principal, link: FamilyMember) -> bool:
    """The two people linked, and administrators (a relative's address is personal data)."""
    if principal.is_admin:
        return True
    if principal.user_id is None:
        return False
    if link.member_user_id == principal.user_id:
        return True
    return await Volunteer.exists(id=link.holder_id, user_id=principal.user_id)


async def are_family(volunteer_id: int | None, other_id: int | None) -> bool:
    """A confirmed link between two volunteers, registered by either."""
    users = dict(
        await Volunteer.filter(id__in=[volunteer_id or 0, other_id or 0]).values_list(
            "id", "user_id"
        )
    )
    one_way = Q(holder_id=volunteer_id or 0, member_user_id=users.get(other_id) or 0)
    other_way = Q(holder_id=other_id or 0, member_user_id=users.get(volunteer_id) or 0)
    return await FamilyMember.filter(one_way | other_way, status=FamilyLinkStatus.ACTIVE).exists()


async def relative_of(holder: Volunteer, link_id: int) -> FamilyMember:
    """A confirmed relative the volunteer registered, to buy service for."""
    link = await FamilyMember.get_or_none(id=link_id, holder_id=holder.id)
    if link is None or link.status == FamilyLinkStatus.REMOVED:
        raise DomainError(
            TimeBankErrorCode.FAMILY_MEMBER_NOT_FOUND,
            "Not one of your family members.",
            "forFamilyMember",
        )
    if link.status != FamilyLinkStatus.ACTIVE:
        raise DomainError(
            TimeBankErrorCode.FAMILY_MEMBER_NOT_CONFIRMED,
            "Your relative has not confirmed the link yet.",
            "forFamilyMember",
        )
    return link
