"""Spending credits (取): a volunteer buys service for themselves or a confirmed family member.
The withdrawal and the service order it pays for are written in one transaction, linked by an
`OrderPayment`; cancelling the order or its expiry refunds it (`timebank.refunds`).

Price: the hours of service asked for, times the volunteers asked for, times CREDITS_PER_HOUR:
the rate at which serving them would be deposited ("serve to be served": an hour for an hour).
The hours are stated with the request, at most the length of its window: a window says when
help is welcome (e.g. 09:00-17:00), the hours how long it takes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from models.dispatch import ServiceCategory, ServiceOrder, Urgency
from models.timebank import FamilyMember, OrderPayment, Transfer, TransferKind
from models.volunteers import Skill, Volunteer
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from services.dispatch import route
from services.dispatch.orders import NewOrder, after_submit, check_new_order, open_order
from services.timebank.accounts import bank_account, own_volunteer, volunteer_account
from services.timebank.errors import TimeBankErrorCode
from services.timebank.family import relative_of
from services.timebank.ledger import Request, move, replay, scoped_key
from services.timebank.rules import CENT, check_key_and_memo, credits_for, translated
from services.volunteers import star_level
from settings import get_settings
from subscriptions.events import EventTransaction

MAX_HOURS = Decimal(24)


@dataclass
class Place:
    address: str
    lat: float
    lng: float
    district_id: int
    community_id: int | None = None


@dataclass
class Purchase:
    """The service order a spend buys, and how long the service takes."""

    category: ServiceCategory
    description: str
    window_start: datetime
    window_end: datetime
    hours: Decimal
    idempotency_key: str
    volunteers_needed: int = 1
    required_skills: list[Skill] = field(default_factory=list)
    urgency: Urgency = Urgency.NORMAL
    # Where, for oneself; a family member is served at their registered address instead.
    place: Place | None = None
    family_member_id: int | None = None
    memo: str = ""

    def detail(self) -> str:
        """The request as canonical text: part of the idempotency digest."""
        place = self.place
        return json.dumps(
            [
                self.category.value,
                self.description.strip(),
                self.window_start.isoformat(),
                self.window_end.isoformat(),
                self.volunteers_needed,
                sorted(s.value for s in self.required_skills),
                self.urgency.value,
                [place.address.strip(), place.lat, place.lng, place.district_id, place.community_id]
                if place
                else None,
                self.family_member_id,
            ],
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class Spent:
    transfer: Transfer
    order: ServiceOrder


def price(hours: Decimal, volunteers: int) -> Decimal:
    return credits_for(hours * volunteers)


def _hours(collector: Collector, purchase: Purchase) -> Decimal:
    try:
        hours = Decimal(purchase.hours)
    except (InvalidOperation, TypeError, ValueError):
        hours = Decimal(-1)
    window = (purchase.window_end - purchase.window_start).total_seconds() / 3600
    if not hours.is_finite() or not 0 < hours <= MAX_HOURS or hours != hours.quantize(CENT):
        collector.add(
            TimeBankErrorCode.INVALID_HOURS,
            f"Ask for more than 0 and at most {MAX_HOURS} hours, two decimals at most.",
            "hours",
        )
        return Decimal(0)
    if window > 0 and hours > Decimal(str(window)):
        collector.add(TimeBankErrorCode.INVALID_HOURS, "The hours must fit in the window.", "hours")
    return hours


async def _order_checks(
    principal: Principal, volunteer: Volunteer, purchase: Purchase, now: datetime
) -> tuple[list[DomainError], NewOrder | None, FamilyMember | None]:
    """The order the purchase asks for, and every problem with it (as errors, not raised)."""
    problems: list[DomainError] = []
    relative = None
    place = purchase.place
    if purchase.family_member_id is not None:
        try:
            relative = await relative_of(volunteer, purchase.family_member_id)
        except DomainError as error:
            problems.append(error)
        if place is not None:
            problems.append(
                DomainError(
                    TimeBankErrorCode.PLACE_NOT_ALLOWED,
                    "A family member is served at their registered address; give no place.",
                    "place",
                )
            )
        place = None
        if relative is not None:
            place = Place(
                relative.address,
                relative.lat,
                relative.lng,
                relative.district_id,
                relative.community_id,
            )
    elif place is None:
        problems.append(
            DomainError(TimeBankErrorCode.PLACE_REQUIRED, "Say where to serve you.", "place")
        )
    if place is None:
        return problems, None, relative
    data = NewOrder(
        category=purchase.category,
        description=purchase.description,
        address=place.address,
        lat=place.lat,
        lng=place.lng,
        district_id=place.district_id,
        community_id=place.community_id,
        window_start=purchase.window_start,
        window_end=purchase.window_end,
        volunteers_needed=purchase.volunteers_needed,
        required_skills=purchase.required_skills,
        urgency=purchase.urgency,
    )
    try:
        await check_new_order(principal, data, now)
    except DomainError as error:
        problems.append(error)
    return problems, data, relative


async def _paid_order(transfer: Transfer) -> ServiceOrder:
    payment = await OrderPayment.get(withdrawal_id=transfer.id).select_related("order")
    return payment.order


async def spend(principal: Principal, purchase: Purchase) -> Spent:
    """Withdraws the price to the bank and submits the order, in one transaction, from the
    configured star level (TIMEBANK_MIN_STAR_LEVEL) up. A retry under the same key returns the
    first transfer and order, even once the window has passed or the level changed."""
    user_id = principal.require_user()
    now = datetime.now(UTC)
    volunteer = await own_volunteer(principal)
    collector = Collector()
    hours = _hours(collector, purchase)
    check_key_and_memo(collector, purchase.idempotency_key, purchase.memo)
    source = await volunteer_account(volunteer.id)
    bank = await bank_account()
    amount = price(hours, purchase.volunteers_needed) if hours else Decimal(0)
    memo = (
        purchase.memo.strip()
        or f"{purchase.category.value}: {hours} h x {purchase.volunteers_needed}"
    )
    request = Request(TransferKind.WITHDRAWAL, source.id, bank.id, amount, memo, purchase.detail())
    key = scoped_key(user_id, purchase.idempotency_key)
    if not collector.problems:
        replayed = await replay(key, request)
        if replayed is not None:
            return Spent(replayed, await _paid_order(replayed))
    errors, data, relative = await _order_checks(principal, volunteer, purchase, now)
    for error in errors:
        collector.problems += translated(error.problems)
    collector.raise_if_any()
    assert data is not None
    needed = get_settings().timebank_min_star_level
    if star_level(volunteer.total_hours) < needed:
        raise DomainError(
            TimeBankErrorCode.STAR_LEVEL_TOO_LOW, f"Credits can be spent from star level {needed}."
        )
    try:
        center = await route(data.district_id, data.community_id)
    except DomainError as error:
        raise DomainError.many(translated(error.problems)) from error
    created: list[ServiceOrder] = []

    async def with_order(tx: EventTransaction, transfer: Transfer) -> None:
        order = await open_order(tx, principal, data, center, now)
        await OrderPayment.create(
            order_id=order.id,
            account_id=source.id,
            family_member_id=relative.id if relative else None,
            hours=hours,
            withdrawal_id=transfer.id,
        )
        created.append(order)

    transfer = await move(principal, request, purchase.idempotency_key, with_order)
    if not created:
        # The same key, committed by a concurrent request first.
        return Spent(transfer, await _paid_order(transfer))
    return Spent(transfer, await after_submit(created[0], center))
