"""Demo rewards on top of the scheme's 18 benefits (《惠州市志愿服务激励回馈优待办法(试行)》),
which are reference data that bootstrap loads (services/geography/data/huizhou.yaml, where each
benefit's `basis` quotes the seed or is marked 示例): a provider account, service cards, a
city-wide accident policy, commendations, some redemptions, and star-level history for hours
that predate it. Idempotent: everything is added only where missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.accounts import User
from models.rewards import (
    Benefit,
    BenefitDelivery,
    BenefitProvider,
    Commendation,
    InsurancePolicy,
    ProviderStaff,
    Redemption,
    ServiceCard,
)
from models.volunteers import Volunteer, VolunteerStatus
from services.accounts import hash_password, principal_for
from services.rewards import levels as rewards_levels
from services.rewards.benefits import Standing, assess
from services.rewards.cards import new_number
from services.rewards.cover import NewPolicy, cover_active, record_policy
from services.rewards.redemptions import new_code
from services.volunteers import star_level

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo credential
PROVIDER_USER = "provider"
PROVIDER_COUNTERS = ("惠州市中心人民医院", "丽日购物广场")


async def _providers() -> dict[str, BenefitProvider]:
    return {p.name: p for p in await BenefitProvider.filter(name__in=PROVIDER_COUNTERS)}


async def _provider_account(providers: dict[str, BenefitProvider]) -> None:
    """`provider` signs in as the counter of the hospital and of the shopping plaza (both in
    the reference data that bootstrap loaded)."""
    user = await User.get_or_none(username=PROVIDER_USER)
    if user is None:
        user = await User.create(
            username=PROVIDER_USER,
            password_hash=hash_password(DEMO_PASSWORD),
            display_name="Provider counter",
            roles=[],
        )
    await ProviderStaff.bulk_create(
        [
            ProviderStaff(provider_id=providers[name].id, user_id=user.id)
            for name in PROVIDER_COUNTERS
            if name in providers
        ],
        ignore_conflicts=True,
    )


async def _cards(volunteers: list[Volunteer], now: datetime) -> None:
    """An active card for most, a few in the other states; one lost and reissued."""
    holders = {row["volunteer_id"] for row in await ServiceCard.all().values("volunteer_id")}
    for index, volunteer in enumerate(volunteers):
        if volunteer.id in holders:
            continue
        status = ("ACTIVE", "ACTIVE", "ACTIVE", "ISSUED", "FROZEN", "LOST")[index % 6]
        async with in_transaction():
            card = await ServiceCard.create(
                number=new_number(),
                volunteer_id=volunteer.id,
                live_holder=None if status == "LOST" else volunteer.id,
                status=status,
                issued_at=now - timedelta(days=200),
                status_changed_at=now - timedelta(days=30),
            )
            if status == "LOST":
                await ServiceCard.create(
                    number=new_number(),
                    volunteer_id=volunteer.id,
                    live_holder=volunteer.id,
                    status="ACTIVE",
                    replaces_id=card.id,
                    issued_at=now - timedelta(days=20),
                    status_changed_at=now - timedelta(days=15),
                )


async def _insurance(now: datetime) -> None:
    admin = await User.get_or_none(username="admin")
    if admin is None or await InsurancePolicy.exists(policy_number=f"HZVOL-{now.year}"):
        return
    principal = principal_for(admin)
    policy = await record_policy(
        principal,
        NewPolicy(
            policy_number=f"HZVOL-{now.year}",
            insurer="中国人民财产保险股份有限公司惠州市分公司",
            coverage="志愿服务期间意外伤害身故、伤残及意外医疗",
            starts_on=date(now.year, 1, 1),
            ends_on=date(now.year, 12, 31),
            sum_insured=Decimal(200_000),
        ),
    )
    await cover_active(principal, policy.id)


async def _commendations(volunteers: list[Volunteer], admin: User | None) -> None:
    if await Commendation.exists():
        return
    titles = ("惠州市优秀志愿者", "五星级志愿者", "学雷锋志愿服务先进个人")
    await Commendation.bulk_create(
        [
            Commendation(
                volunteer_id=volunteer.id,
                title=titles[index % len(titles)],
                citation="长期参与社区志愿服务",
                awarded_on=date(2016 + index % 3, 12, 5),
                issuer="惠州市志愿服务联合会",
                issued_by_id=admin.id if admin else None,
            )
            for index, volunteer in enumerate(volunteers)
            if index % 2 == 0
        ]
    )


async def _redemptions(volunteers: list[Volunteer], benefits: list[Benefit], now: datetime) -> None:
    """A few vouchers taken by eligible volunteers, as `redeemBenefit` would have made them."""
    codes = [b for b in benefits if b.delivery == BenefitDelivery.CODE]
    for volunteer in volunteers:
        standing = Standing(volunteer, star_level(volunteer.total_hours), Decimal(0), {})
        for benefit in codes:
            key = f"demo:{volunteer.id}:{benefit.code}"
            if not assess(benefit, standing, now).eligible:
                continue
            if await Redemption.exists(idempotency_key=key):
                continue
            async with in_transaction():
                await Benefit.filter(id=benefit.id).update(redeemed=benefit.redeemed + 1)
                benefit.redeemed += 1
                await Redemption.create(
                    benefit_id=benefit.id,
                    volunteer_id=volunteer.id,
                    code=new_code(),
                    idempotency_key=key,
                    request_hash="demo",
                    created_at=now - timedelta(days=3),
                    expires_at=now + timedelta(days=27),
                )


async def seed_rewards() -> int:
    """Returns the number of benefits added."""
    now = datetime.now(UTC)
    before = await Benefit.all().count()
    providers = await _providers()
    benefits = await Benefit.all().order_by("id")
    await _provider_account(providers)
    await rewards_levels.backfill(now)
    demo_users = await User.filter(username__in=["volunteer", "orgadmin"]).values_list(
        "id", flat=True
    )
    people = await Volunteer.filter(status=VolunteerStatus.ACTIVE, user_id__in=list(demo_users))
    people += await Volunteer.filter(status=VolunteerStatus.ACTIVE).order_by("id").limit(24)
    unique = list({v.id: v for v in people}.values())
    await _cards(unique, now)
    await _insurance(now)
    await _commendations(unique, await User.get_or_none(username="admin"))
    await _redemptions(unique[:8], benefits, now)
    return await Benefit.all().count() - before
