"""Helpers for the rewards tests: an administrator, providers and benefits, volunteers with
hours, and confirmed service records walked through the real dispatch flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.rewards import Benefit, BenefitCategory, BenefitDelivery, ProviderKind
from models.volunteers import Volunteer
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch import assignments
from services.rewards import catalogue as rewards_catalogue
from services.rewards import providers as rewards_providers
from tests.dispatch.support import assignment_of, attend, huicheng_order
from tests.support import make_user, make_volunteer

LONG_AGO = datetime(2017, 3, 1, tzinfo=UTC)


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def fails(call: Any) -> list[str]:
    """The codes of the domain error the call raises, in order."""
    with pytest.raises(DomainError) as caught:
        await call
    return [str(p.code.value) for p in caught.value.problems]


async def admin(username: str = "admin") -> Principal:
    return (await make_user(username, Role.ADMIN))[1]


async def provider(by: Principal, name: str = "惠州市中心人民医院") -> int:
    row = await rewards_providers.create_provider(
        by, rewards_providers.NewProvider(name=name, kind=ProviderKind.HOSPITAL)
    )
    return row.id


async def benefit(
    by: Principal, provider_id: int, code: str = "HEALTH_CHECK", **kw: Any
) -> Benefit:
    values: dict[str, Any] = {
        "name": "年度免费健康体检",
        "category": BenefitCategory.MEDICAL,
        "valid_from": LONG_AGO,
        "delivery": BenefitDelivery.CODE,
    }
    values.update(kw)
    return await rewards_catalogue.create_benefit(
        by, rewards_catalogue.NewBenefit(code=code, provider_id=provider_id, **values)
    )


async def volunteer(username: str, hours: str = "0", **kw: Any) -> tuple[Principal, int]:
    """A signed-in volunteer whose confirmed total is `hours` (as if imported)."""
    _, principal, volunteer_id = await make_volunteer(username, **kw)
    await Volunteer.filter(id=volunteer_id).update(total_hours=Decimal(hours))
    return principal, volunteer_id


async def pending_record(
    dispatcher: Principal,
    resident: Principal,
    who: Principal,
    volunteer_id: int,
    hours_from_now: float = 2,
    minutes: int = 150,
) -> int:
    """A PENDING record of `minutes` of service ending now, through assign, accept, check-in
    and check-out."""
    order_id = await huicheng_order(resident, hours_from_now=hours_from_now)
    await assignments.assign(dispatcher, order_id, [volunteer_id])
    assignment_id = await assignment_of(order_id, volunteer_id)
    await assignments.accept(who, assignment_id)
    start = datetime.now(UTC) - timedelta(minutes=minutes)
    record = await attend(who, assignment_id, start, start + timedelta(minutes=minutes))
    return record.id
