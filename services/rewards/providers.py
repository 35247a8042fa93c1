"""Benefit providers and provider accounts.

A provider account is an ordinary user linked to a provider by an administrator
(`ProviderStaff`). The link is what lets the user verify the provider's redemptions and look up
service cards; it grants nothing else, and removing it takes both away at once."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from models.geography import District
from models.rewards import BenefitProvider, ProviderKind, ProviderStaff
from services.common.errors import Collector, DomainError
from services.common.identity import normalise_phone
from services.common.principal import Principal
from services.rewards import check_text, not_found, require_admin, user_exists
from services.rewards.errors import RewardsErrorCode


@dataclass
class NewProvider:
    name: str
    kind: ProviderKind
    district_id: int | None = None
    address: str = ""
    contact_phone: str = ""


async def create_provider(principal: Principal, data: NewProvider) -> BenefitProvider:
    require_admin(principal)
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
        return await BenefitProvider.create(
            name=name,
            kind=data.kind,
            district_id=data.district_id,
            address=address,
            contact_phone=phone,
        )
    except IntegrityError as exc:
        raise DomainError(
            RewardsErrorCode.DUPLICATE_NAME, "A provider with this name exists.", "name"
        ) from exc


async def _provider(provider_id: int) -> BenefitProvider:
    provider = await BenefitProvider.get_or_none(id=provider_id)
    if provider is None:
        raise not_found(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider")
    return provider


async def add_staff(principal: Principal, provider_id: int, user_id: int) -> BenefitProvider:
    """Makes the user a provider account of this provider; adding twice changes nothing."""
    admin_id = require_admin(principal)
    provider = await _provider(provider_id)
    if not await user_exists(user_id):
        raise not_found(RewardsErrorCode.USER_NOT_FOUND, "user")
    await ProviderStaff.bulk_create(
        [ProviderStaff(provider_id=provider.id, user_id=user_id, added_by_id=admin_id)],
        ignore_conflicts=True,
    )
    return provider


async def remove_staff(principal: Principal, provider_id: int, user_id: int) -> BenefitProvider:
    require_admin(principal)
    provider = await _provider(provider_id)
    await ProviderStaff.filter(provider_id=provider.id, user_id=user_id).delete()
    return provider
