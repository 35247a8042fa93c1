"""The volunteer service card (惠州志愿服务卡): one live card per volunteer, which merchants,
banks and tourist sites honour with VIP treatment.

Card number: 16 digits, `4413 SSSS SSSS SSSC` — 4413 (Huizhou's administrative-division
prefix), 11 random digits, and a Luhn check digit (ISO/IEC 7812, as on bank cards, computed by
python-stdnum). The check digit rejects every single-digit typo and most swaps of neighbouring
digits before any database look-up. The serial is random, not sequential, so numbers cannot be
walked: with 450,000 cards among 10^11 serials, about one well-formed guess in 220,000 names a
card, and look-ups are limited per account (CARD_CHECKS_PER_HOUR) and logged (`CardCheck`).

States: ISSUED → ACTIVE ⇄ FROZEN; ISSUED, ACTIVE or FROZEN → LOST (the holder or an
administrator reports it). Reissuing (administrators) gives a new number; the old card becomes
REPLACED, or stays LOST. LOST and REPLACED cards are dead for good."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from stdnum import luhn
from tortoise.exceptions import IntegrityError

from models.rewards import LIVE_CARD_STATUSES, CardCheck, CardStatus, ServiceCard
from models.volunteers import Volunteer, VolunteerStatus
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.principal import Principal
from services.rewards import (
    RewardsEvent,
    check_text,
    not_found,
    provider_ids_of,
    require_admin,
    volunteer_by_id,
    volunteer_rewards_topic,
)
from services.rewards.errors import RewardsErrorCode
from services.volunteers import star_level
from settings import get_settings
from subscriptions.events import EventTransaction, atomic

PREFIX = "4413"
SERIAL_DIGITS = 11
_NUMBER_RE = re.compile(r"^\d{16}$")


class CardAction(str, Enum):
    ACTIVATE = "ACTIVATE"
    FREEZE = "FREEZE"
    UNFREEZE = "UNFREEZE"
    REPORT_LOST = "REPORT_LOST"


# action: (the states it applies to, the state it leads to)
TRANSITIONS: dict[CardAction, tuple[tuple[CardStatus, ...], CardStatus]] = {
    CardAction.ACTIVATE: ((CardStatus.ISSUED,), CardStatus.ACTIVE),
    CardAction.FREEZE: ((CardStatus.ISSUED, CardStatus.ACTIVE), CardStatus.FROZEN),
    CardAction.UNFREEZE: ((CardStatus.FROZEN,), CardStatus.ACTIVE),
    CardAction.REPORT_LOST: (LIVE_CARD_STATUSES, CardStatus.LOST),
}


def new_number() -> str:
    body = PREFIX + "".join(secrets.choice("0123456789") for _ in range(SERIAL_DIGITS))
    return body + luhn.calc_check_digit(body)


def parse_number(raw: str) -> str | None:
    """The 16 digits of a well-formed card number (spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s-]", "", raw)
    if not _NUMBER_RE.match(digits) or not digits.startswith(PREFIX):
        return None
    return digits if luhn.is_valid(digits) else None


def format_number(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def mask_name(name: str) -> str:
    """陈志愿 → 陈**: the family name, enough for a cashier to match the person."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _event(tx: EventTransaction, card: ServiceCard, status: CardStatus) -> None:
    tx.record(
        RewardsEvent.SERVICE_CARD_CHANGED.value,
        [volunteer_rewards_topic(card.volunteer_id)],
        {"cardId": card.id, "status": status.value},
    )


async def _create(
    tx: EventTransaction, volunteer_id: int, admin_id: int, replaces_id: int | None, now: datetime
) -> ServiceCard:
    """A new ISSUED card. A duplicate live card fails on the unique `live_holder`."""
    number = new_number()
    while await ServiceCard.exists(number=number):
        number = new_number()
    card = await ServiceCard.create(
        number=number,
        volunteer_id=volunteer_id,
        live_holder=volunteer_id,
        replaces_id=replaces_id,
        issued_by_id=admin_id,
        issued_at=now,
        status_changed_at=now,
    )
    _event(tx, card, CardStatus.ISSUED)
    return card


def _already_issued() -> DomainError:
    return DomainError(
        RewardsErrorCode.CARD_ALREADY_ISSUED,
        "This volunteer already holds a live card; reissue it instead.",
        "volunteer",
    )


async def issue(
    principal: Principal, volunteer_id: int, now: datetime | None = None
) -> ServiceCard:
    admin_id = require_admin(principal)
    volunteer = await volunteer_by_id(volunteer_id)
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise DomainError(
            RewardsErrorCode.VOLUNTEER_NOT_ACTIVE, "Cards go to active volunteers.", "volunteer"
        )
    if await ServiceCard.exists(live_holder=volunteer.id):
        raise _already_issued()
    try:
        async with atomic() as tx:
            return await _create(tx, volunteer.id, admin_id, None, now or datetime.now(UTC))
    except IntegrityError as exc:
        raise _already_issued() from exc


def _note(note: str) -> str:
    collector = Collector()
    text = check_text(collector, note, "note", limit=200, required=False)
    collector.raise_if_any()
    return text


async def _card(card_id: int) -> ServiceCard:
    card = await ServiceCard.get_or_none(id=card_id)
    if card is None:
        raise not_found(RewardsErrorCode.CARD_NOT_FOUND, "card")
    return card


async def is_holder(principal: Principal, card: ServiceCard) -> bool:
    if principal.user_id is None:
        return False
    return await Volunteer.exists(id=card.volunteer_id, user_id=principal.user_id)


async def change(
    principal: Principal,
    card_id: int,
    action: CardAction,
    note: str = "",
    now: datetime | None = None,
) -> ServiceCard:
    """One state change: the holder may report their card lost; the rest is for admins."""
    principal.require_user()
    text = _note(note)
    card = await _card(card_id)
    holder_may = action == CardAction.REPORT_LOST and await is_holder(principal, card)
    if not (holder_may or principal.is_admin):
        raise NotPermitted("Only administrators change cards; holders may report theirs lost.")
    sources, target = TRANSITIONS[action]
    updates: dict[str, object] = {
        "status": target,
        "status_changed_at": now or datetime.now(UTC),
        "status_note": text,
    }
    if target not in LIVE_CARD_STATUSES:
        updates["live_holder"] = None
    async with atomic() as tx:
        # Conditional: a card changed meanwhile by someone else is not changed again.
        if not await ServiceCard.filter(id=card.id, status__in=sources).update(**updates):
            await card.refresh_from_db()
            raise DomainError(
                RewardsErrorCode.ILLEGAL_CARD_TRANSITION,
                f"A {card.status.value} card cannot be {action.value.lower().replace('_', ' ')}.",
                "card",
            )
        _event(tx, card, target)
    await card.refresh_from_db()
    return card


async def reissue(
    principal: Principal, card_id: int, note: str = "", now: datetime | None = None
) -> ServiceCard:
    """A new number for a lost or damaged card; the old number is dead from now on. A frozen
    card is not reissued (that would lift the freeze): unfreeze it first."""
    admin_id = require_admin(principal)
    text = _note(note)
    card = await _card(card_id)
    now = now or datetime.now(UTC)
    try:
        async with atomic() as tx:
            old = (await ServiceCard.filter(id=card.id).select_for_update())[0]
            replaced = await ServiceCard.exists(replaces_id=old.id)
            if old.status in (CardStatus.FROZEN, CardStatus.REPLACED) or replaced:
                raise DomainError(
                    RewardsErrorCode.ILLEGAL_CARD_TRANSITION,
                    f"A {old.status.value} card cannot be reissued"
                    + (" again." if replaced else "."),
                    "card",
                )
            holder = await volunteer_by_id(old.volunteer_id)
            if holder.status != VolunteerStatus.ACTIVE:
                raise DomainError(
                    RewardsErrorCode.VOLUNTEER_NOT_ACTIVE, "Cards go to active volunteers.", "card"
                )
            if old.status != CardStatus.LOST:
                await ServiceCard.filter(id=old.id).update(
                    status=CardStatus.REPLACED,
                    live_holder=None,
                    status_changed_at=now,
                    status_note=text,
                )
                _event(tx, old, CardStatus.REPLACED)
            return await _create(tx, old.volunteer_id, admin_id, old.id, now)
    except IntegrityError as exc:
        raise _already_issued() from exc


@dataclass(frozen=True)
class CardCheckResult:
    number: str
    found: bool
    status: CardStatus | None = None
    holder_name: str | None = None
    star_level: int | None = None

    @property
    def honoured(self) -> bool:
        return self.status == CardStatus.ACTIVE


async def may_check_cards(principal: Principal) -> bool:
    return principal.is_admin or bool(await provider_ids_of(principal))


async def check(principal: Principal, raw: str, now: datetime | None = None) -> CardCheckResult:
    """What a merchant may learn of a card: its status, and for a live card the holder's
    masked name and star level. Provider accounts and administrators only."""
    user_id = principal.require_user()
    if not await may_check_cards(principal):
        raise NotPermitted("Only provider accounts and administrators check service cards.")
    number = parse_number(raw)
    if number is None:
        raise DomainError(
            RewardsErrorCode.INVALID_CARD_NUMBER,
            "Not a service card number: 16 digits starting 4413, check digit included.",
            "cardNumber",
        )
    now = now or datetime.now(UTC)
    limit = get_settings().card_checks_per_hour
    if await CardCheck.filter(user_id=user_id, checked_at__gt=now - timedelta(hours=1)).count() >= (
        limit
    ):
        raise DomainError(
            RewardsErrorCode.RATE_LIMITED,
            f"At most {limit} card look-ups an hour per account.",
            "cardNumber",
        )
    card = await ServiceCard.get_or_none(number=number).select_related("volunteer")
    await CardCheck.create(user_id=user_id, number=number, found=card is not None, checked_at=now)
    shown = format_number(number)
    if card is None:
        return CardCheckResult(shown, found=False)
    if card.status not in LIVE_CARD_STATUSES:
        return CardCheckResult(shown, found=True, status=card.status)
    volunteer = card.volunteer
    return CardCheckResult(
        shown,
        found=True,
        status=card.status,
        holder_name=mask_name(volunteer.real_name),
        star_level=star_level(volunteer.total_hours),
    )


def current_card(cards: list[ServiceCard]) -> ServiceCard | None:
    """Of one volunteer's cards, the live one, else the most recent."""
    live = [c for c in cards if c.status in LIVE_CARD_STATUSES]
    if live:
        return live[0]
    return max(cards, key=lambda c: c.id) if cards else None


async def my_card(principal: Principal) -> ServiceCard | None:
    user_id = principal.require_user()
    return current_card(await ServiceCard.filter(volunteer__user_id=user_id))
