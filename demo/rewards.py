"""Demo rewards: the scheme's 18 benefits (《惠州市志愿服务激励回馈优待办法(试行)》) with their
providers, a provider account, service cards, a city-wide accident policy, commendations, some
redemptions, and star-level history for hours that predate it. Idempotent: providers and
benefits are keyed by name and code, the rest is added only where missing.

The seed names the headings of the 18 measures (就医, 就业, 就学, 积分入户, 享受公共服务) and a
dozen of them outright; where it names a benefit, `basis` quotes it. The others are concrete
instances under a heading the seed names, marked 示例 (example) in `basis`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.accounts import User
from models.geography import District
from models.rewards import (
    Benefit,
    BenefitCategory,
    BenefitDelivery,
    BenefitProvider,
    Commendation,
    InsurancePolicy,
    ProviderKind,
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
SCHEME_START = datetime(2017, 3, 1, tzinfo=UTC)
_CARD = "向志愿者发行联网的志愿服务卡,可在旅游、金融服务、商家消费享受VIP优待"
_HEADINGS = "在就医、就业、就学、积分入户、享受公共服务等方面的优惠优待措施"

# name: (kind, district code or None for city-wide, address)
PROVIDERS: dict[str, tuple[ProviderKind, str | None, str]] = {
    "惠州市中心人民医院": (ProviderKind.HOSPITAL, "HUICHENG", "惠城区鹅岭北路41号"),
    "惠州市卫生和计划生育局": (ProviderKind.GOVERNMENT_AGENCY, None, ""),
    "中国人民财产保险股份有限公司惠州市分公司": (ProviderKind.INSURER, None, ""),
    "惠州市人力资源和社会保障局": (ProviderKind.GOVERNMENT_AGENCY, None, ""),
    "惠州市精神文明建设委员会办公室": (ProviderKind.GOVERNMENT_AGENCY, None, ""),
    "惠州市教育局": (ProviderKind.GOVERNMENT_AGENCY, None, ""),
    "罗浮山风景名胜区": (ProviderKind.PUBLIC_VENUE, "BOLUO", "博罗县长宁镇"),
    "惠州农村商业银行": (ProviderKind.BANK, None, ""),
    "丽日购物广场": (ProviderKind.MERCHANT, "HUICHENG", "惠城区江北街道云山西路"),
    "新联社区家庭志愿服务中心": (ProviderKind.ORGANIZATION, "HUICHENG", "惠城区龙丰街道新联社区"),
    "惠州市志愿服务培训学校": (ProviderKind.SCHOOL, None, ""),
    "惠州市公共交通集团": (ProviderKind.TRANSPORT, None, ""),
    "惠州博物馆": (ProviderKind.PUBLIC_VENUE, "HUICHENG", "惠城区江北文明一路"),
    "惠州慈云图书馆": (ProviderKind.PUBLIC_VENUE, "HUICHENG", "惠城区江北"),
    "惠州市奥林匹克体育场": (ProviderKind.PUBLIC_VENUE, None, ""),
    "惠州市志愿服务联合会": (ProviderKind.ORGANIZATION, None, ""),
}


@dataclass(frozen=True)
class Plan:
    name: str
    category: BenefitCategory
    delivery: BenefitDelivery
    provider: str
    basis: str
    stars: int = 0
    recent_hours: int | None = None
    stock: int | None = None
    limit: int | None = None


_C = BenefitCategory
_D = BenefitDelivery
# 29 recent hours: the seed's yearly hours per volunteer, as the bar for scarce benefits.
# The table reads better one benefit to a row than one argument to a line.
# fmt: off
BENEFITS: dict[str, Plan] = {
    "MEDICAL_GREEN_CHANNEL": Plan("就医应急绿色通道", _C.MEDICAL, _D.SERVICE_CARD,
        "惠州市中心人民医院", "在全市二级以上医疗机构为他们建立应急绿色通道"),
    "SERVICE_INJURY_RESCUE": Plan("志愿服务意外伤害紧急救援", _C.MEDICAL, _D.AUTOMATIC,
        "惠州市卫生和计划生育局", "对在志愿服务过程中发生的意外伤害提供紧急救援"),
    "ACCIDENT_INSURANCE": Plan("志愿者意外伤害保险", _C.INSURANCE, _D.AUTOMATIC,
        "中国人民财产保险股份有限公司惠州市分公司",
        "2016年还为包括他们在内的所有市直单位志愿者购买保险"),
    "HIRING_PRIORITY": Plan("招录聘用同等条件优先(志愿服务证明)", _C.EMPLOYMENT, _D.CODE,
        "惠州市人力资源和社会保障局", "机关和企事业单位同等条件下优先录取和聘用志愿者",
        stars=1, limit=6),
    "AWARDS_PRIORITY": Plan("评先评优重要条件", _C.HONOUR, _D.AUTOMATIC,
        "惠州市精神文明建设委员会办公室", "并作为评先评优的重要条件", stars=1),
    "SCHOOL_ADMISSION_PRIORITY": Plan("就学优待", _C.EDUCATION, _D.CODE, "惠州市教育局",
        _HEADINGS + "(就学)", stars=2, recent_hours=29, limit=1),
    "RESIDENCE_POINTS": Plan("积分入户加分", _C.RESIDENCE, _D.CODE, "惠州市人力资源和社会保障局",
        _HEADINGS + "(积分入户)", stars=1, recent_hours=29, limit=1),
    "TOURISM_VIP": Plan("景区游览VIP优待", _C.TOURISM, _D.SERVICE_CARD, "罗浮山风景名胜区",
        _CARD),
    "BANKING_VIP": Plan("金融服务VIP优待", _C.FINANCE, _D.SERVICE_CARD, "惠州农村商业银行",
        _CARD),
    "MERCHANT_VIP": Plan("商家消费VIP优待", _C.COMMERCE, _D.SERVICE_CARD, "丽日购物广场",
        _CARD),
    "COMMUNITY_SERVICE_BANK": Plan("社区服务银行存取", _C.PUBLIC_SERVICE, _D.AUTOMATIC,
        "新联社区家庭志愿服务中心",
        "实行“社区服务银行”的志愿服务“存取”制度,用服务换取服务,激励回馈"),
    "CIVIC_RECEPTION": Plan("年度嘉许礼遇活动邀请", _C.HONOUR, _D.CODE, "惠州市志愿服务联合会",
        "惠州志愿者不仅在政治和社会上得到礼遇和嘉许", stars=4, recent_hours=29, stock=100,
        limit=1),
    "FREE_TRAINING": Plan("志愿服务技能免费培训", _C.EDUCATION, _D.CODE,
        "惠州市志愿服务培训学校", "示例:“一校”(惠州市志愿服务培训学校)", stock=40, limit=1),
    "ANNUAL_HEALTH_CHECK": Plan("年度免费健康体检", _C.MEDICAL, _D.CODE, "惠州市中心人民医院",
        "示例(就医)", stars=3, recent_hours=29, stock=200, limit=1),
    "BUS_FARE_DISCOUNT": Plan("公交乘车优惠", _C.PUBLIC_SERVICE, _D.SERVICE_CARD,
        "惠州市公共交通集团", "示例(享受公共服务)"),
    "MUSEUM_GUIDED_TOUR": Plan("博物馆特展与讲解免费", _C.PUBLIC_SERVICE, _D.CODE,
        "惠州博物馆", "示例(享受公共服务)", limit=4),
    "LIBRARY_PRIVILEGES": Plan("图书馆借阅加倍", _C.PUBLIC_SERVICE, _D.SERVICE_CARD,
        "惠州慈云图书馆", "示例(享受公共服务)"),
    "SPORTS_VENUE_DISCOUNT": Plan("体育场馆优惠", _C.PUBLIC_SERVICE, _D.CODE,
        "惠州市奥林匹克体育场", "示例(享受公共服务)", stars=1, limit=12),
}
# fmt: on


async def _providers() -> dict[str, BenefitProvider]:
    districts = {d.code: d.id for d in await District.all()}
    existing = {p.name: p for p in await BenefitProvider.filter(name__in=list(PROVIDERS))}
    for name, (kind, district, address) in PROVIDERS.items():
        if name not in existing:
            existing[name] = await BenefitProvider.create(
                name=name,
                kind=kind,
                district_id=districts.get(district) if district else None,
                address=address,
            )
    return existing


async def _benefits(providers: dict[str, BenefitProvider]) -> list[Benefit]:
    known = {row["code"] for row in await Benefit.filter(code__in=list(BENEFITS)).values("code")}
    for code, plan in BENEFITS.items():
        if code in known:
            continue
        provider = providers[plan.provider]
        await Benefit.create(
            code=code,
            name=plan.name,
            category=plan.category,
            delivery=plan.delivery,
            provider_id=provider.id,
            min_star_level=plan.stars,
            min_recent_hours=Decimal(plan.recent_hours) if plan.recent_hours else None,
            stock=plan.stock,
            per_volunteer_limit=plan.limit,
            valid_from=SCHEME_START,
            basis=plan.basis,
            description=f"{plan.name}({provider.name})",
        )
    return await Benefit.filter(code__in=list(BENEFITS)).order_by("id")


async def _provider_account(providers: dict[str, BenefitProvider]) -> None:
    """`provider` signs in as the counter of the hospital and of the shopping plaza."""
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
            for name in ("惠州市中心人民医院", "丽日购物广场")
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
    benefits = await _benefits(providers)
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
