"""Benefit providers and provider accounts.

A provider account is an ordinary user linked to a provider by an administrator
(`ProviderStaff`). The link is what lets the user verify the provider's redemptions and look up
service cards; it grants nothing else, and removing it takes both away at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.geography import District
from models.rewards import BenefitProvider, ProviderKind, ProviderStaff
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError
from services.common.identity import normalise_phone
from services.common.principal import Principal
from services.rewards import check_text, not_found, require_admin, user_exists
from services.rewards.errors import RewardsErrorCode

PROVIDER = "BenefitProvider"
PROVIDER_FIELDS = ("name", "kind", "district_id", "address", "contact_phone")


@dataclass
class NewProvider:
    name: str
    kind: ProviderKind
    district_id: int | None = None
    address: str = ""
    contact_phone: str = ""


async def create_provider(principal: Principal, data: NewProvider) -> BenefitProvider:
    require_admin(principal)
    return await add_provider(await Actor.admin(principal), data)


async def add_provider(actor: Actor, data: NewProvider) -> BenefitProvider:
    """`create_provider` for an actor already known to administer (the console)."""
    collector = Collector()
    name = check_text(collector, data.name, "name", limit=128)
    address = check_text(collector, data.address, "address", limit=200, required=False)
    phone = ""
    if data.contact_phone.strip():
        phone = normalise_phone(data.contact_phone) or ""
        if not phone:
            collector.add(RewardsErrorCode.INVALID_TEXT, "Not a phone number.", "contactPhone")
    if data.district_id is not None and not await District.exists(id=data.district_id):
        collector.add(RewardsErrorCode.DISTRICT_NOT_FOUND, "No such district.", "district")
    collector.raise_if_any()
    try:
        async with in_transaction():
            provider = await BenefitProvider.create(
                name=name,
                kind=data.kind,
                district_id=data.district_id,
                address=address,
                contact_phone=phone,
            )
            after = snapshot(provider, PROVIDER_FIELDS)
            await actor.record("createBenefitProvider", PROVIDER, provider.id, None, after)
    except IntegrityError as exc:
        raise DomainError(
            RewardsErrorCode.DUPLICATE_NAME, "A provider with this name exists.", "name"
        ) from exc
    return provider


async def _provider(provider_id: int) -> BenefitProvider:
    provider = await BenefitProvider.get_or_none(id=provider_id)
    if provider is None:
        raise not_found(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider")
    return provider


async def _staff(provider_id: int) -> dict[str, Any]:
    links = await ProviderStaff.filter(provider_id=provider_id).order_by("user_id")
    return {"staff_user_ids": [link.user_id for link in links]}


async def add_staff(principal: Principal, provider_id: int, user_id: int) -> BenefitProvider:
    """Makes the user a provider account of this provider; adding twice changes nothing (and
    records nothing)."""
    require_admin(principal)
    return await link_staff(await Actor.admin(principal), provider_id, user_id)


async def link_staff(actor: Actor, provider_id: int, user_id: int) -> BenefitProvider:
    """`add_staff` for an actor already known to administer; the link names the administrator
    who made it (none at the console, where the audit entry says who ran the command)."""
    provider = await _provider(provider_id)
    if not await user_exists(user_id):
        raise not_found(RewardsErrorCode.USER_NOT_FOUND, "user")
    async with in_transaction():
        before = await _staff(provider.id)
        await ProviderStaff.bulk_create(
            [
                ProviderStaff(
                    provider_id=provider.id,
                    user_id=user_id,
                    added_by_id=actor.user.id if actor.user else None,
                )
            ],
            ignore_conflicts=True,
        )
        after = await _staff(provider.id)
        if after != before:
            await actor.record("addProviderStaff", PROVIDER, provider.id, before, after)
    return provider


async def remove_staff(principal: Principal, provider_id: int, user_id: int) -> BenefitProvider:
    return await unlink_staff(await Actor.admin(principal), provider_id, user_id)


async def unlink_staff(actor: Actor, provider_id: int, user_id: int) -> BenefitProvider:
    provider = await _provider(provider_id)
    async with in_transaction():
        before = await _staff(provider.id)
        await ProviderStaff.filter(provider_id=provider.id, user_id=user_id).delete()
        after = await _staff(provider.id)
        if after != before:
            await actor.record("removeProviderStaff", PROVIDER, provider.id, before, after)
    return provider


@dataclass(frozen=True)
class ProviderChange:
    """What to set; None leaves a field as it is (`district_id=0` clears the district)."""

    name: str | None = None
    kind: ProviderKind | None = None
    district_id: int | None = None
    address: str | None = None
    contact_phone: str | None = None


async def update_provider(
    principal: Principal, provider_id: int, change: ProviderChange
) -> BenefitProvider:
    return await change_provider(await Actor.admin(principal), provider_id, change)


async def change_provider(
    actor: Actor, provider_id: int, change: ProviderChange
) -> BenefitProvider:
    collector = Collector()
    values: dict[str, Any] = {}
    if change.name is not None:
        values["name"] = check_text(collector, change.name, "name", limit=128)
    if change.kind is not None:
        values["kind"] = change.kind
    if change.address is not None:
        values["address"] = check_text(
            collector, change.address, "address", limit=200, required=False
        )
    if change.contact_phone is not None:
        phone = normalise_phone(change.contact_phone) or "" if change.contact_phone.strip() else ""
        if change.contact_phone.strip() and not phone:
            collector.add(RewardsErrorCode.INVALID_TEXT, "Not a phone number.", "contactPhone")
        values["contact_phone"] = phone
    if change.district_id is not None:
        values["district_id"] = change.district_id or None
        if change.district_id and not await District.exists(id=change.district_id):
            collector.add(RewardsErrorCode.DISTRICT_NOT_FOUND, "No such district.", "district")
    if (
        change.name is not None
        and await BenefitProvider.filter(name=values["name"]).exclude(id=provider_id).exists()
    ):
        collector.add(RewardsErrorCode.DUPLICATE_NAME, "A provider with this name exists.", "name")
    async with in_transaction():
        provider = await BenefitProvider.filter(id=provider_id).select_for_update().first()
        if provider is None:
            raise not_found(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider")
        collector.raise_if_any()
        before = snapshot(provider, PROVIDER_FIELDS)
        provider.update_from_dict(values)
        await provider.save(update_fields=list(PROVIDER_FIELDS))
        after = snapshot(provider, PROVIDER_FIELDS)
        if after != before:
            await actor.record("updateBenefitProvider", PROVIDER, provider.id, before, after)
    return provider
