"""Every rewards list costs the same SQL statements for 100 rows as for 1: relations go through
per-request DataLoaders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from models.accounts import Role
from models.organizations import Organization, OrganizationCategory
from models.rewards import (
    Benefit,
    BenefitCategory,
    BenefitProvider,
    Commendation,
    InsuranceCoverage,
    InsurancePolicy,
    ProviderKind,
    Redemption,
    ServiceCard,
    StarLevelAchievement,
)
from models.volunteers import Volunteer
from services.common.identity import id_number_hash
from services.common.principal import Principal
from services.rewards.cards import new_number
from tests.rewards.support import LONG_AGO
from tests.support import count_statements, data_of, huicheng, make_user, new_id_number

ROWS = 110


async def _statements(document: str, first: int, principal: Principal) -> int:
    with count_statements() as counter:
        data = await data_of(document, {"first": first}, principal)
    assert data
    return len(counter.statements)


async def _catalogue() -> list[Benefit]:
    district = await huicheng()
    await BenefitProvider.bulk_create(
        [
            BenefitProvider(name=f"商家{i}", kind=ProviderKind.MERCHANT, district_id=district.id)
            for i in range(ROWS)
        ]
    )
    providers = await BenefitProvider.all().order_by("id")
    await Benefit.bulk_create(
        [
            Benefit(
                code=f"B{i:03d}",
                name=f"优待{i}",
                category=BenefitCategory.COMMERCE,
                provider_id=providers[i % len(providers)].id,
                valid_from=LONG_AGO,
                per_volunteer_limit=5,
            )
            for i in range(ROWS)
        ]
    )
    return await Benefit.all().order_by("id")


async def _volunteers() -> list[int]:
    district = await huicheng()
    rows = []
    for i in range(ROWS):
        number = new_id_number()
        rows.append(
            Volunteer(
                real_name=f"志愿者{i}",
                phone="13800138000",
                id_number=number,
                id_number_hash=id_number_hash(number),
                district=district,
                registered_at=datetime.now(UTC),
                total_hours=Decimal(350),
            )
        )
    await Volunteer.bulk_create(rows)
    return [v.id for v in await Volunteer.all().order_by("id")]


async def _holdings(ids: list[int]) -> None:
    now = datetime.now(UTC)
    organization = await Organization.create(
        name="队", category=OrganizationCategory.CULTURE, district=await huicheng()
    )
    policies = [
        await InsurancePolicy.create(
            policy_number=f"P{n}",
            insurer="PICC",
            coverage="意外",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        for n in range(2)
    ]
    await StarLevelAchievement.bulk_create(
        [
            StarLevelAchievement(volunteer_id=v, level=level, reached_at=now, hours_at_reach=350)
            for v in ids
            for level in (1, 2)
        ]
    )
    await ServiceCard.bulk_create(
        [
            ServiceCard(
                number=new_number(),
                volunteer_id=v,
                live_holder=v,
                issued_at=now,
                status_changed_at=now,
            )
            for v in ids
        ]
    )
    await InsuranceCoverage.bulk_create(
        [
            InsuranceCoverage(
                policy_id=p.id,
                volunteer_id=v,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                created_at=now,
            )
            for v in ids
            for p in policies
        ]
    )
    await Commendation.bulk_create(
        [
            Commendation(
                volunteer_id=v,
                title="优秀志愿者",
                awarded_on=date(2026, 1, 1),
                issuer="队",
                organization_id=organization.id,
            )
            for v in ids
        ]
    )


VOLUNTEERS = """
query ($first: Int!) {
  volunteers(first: $first) { nodes {
    realName
    starLevelHistory { level reachedAt }
    serviceCard { number status volunteer { realName } }
    insuranceCoverage { from current policy { policyNumber coveredCount } }
    commendations { title organization { name } }
  } }
}"""
BENEFITS = """
query ($first: Int!) {
  benefits(first: $first) { totalCount nodes {
    code remaining provider { name district { name } benefits { nodes { code } } }
  } }
  benefitProviders(first: $first) {
    nodes { name benefits { totalCount nodes { code provider { name } } } }
  }
}"""
REDEMPTIONS = """
query ($first: Int!) {
  myRedemptions(first: $first) { totalCount nodes {
    code state holderName benefit { code provider { name } }
  } }
  eligibleBenefits(includeIneligible: true) {
    eligible leftForYou reasons { reason } benefit { code provider { name } }
  }
}"""
POLICIES = """
query ($first: Int!) {
  insurancePolicies(first: $first) { totalCount nodes { policyNumber coveredCount } }
}"""


async def test_a_page_of_volunteers_with_their_rewards_costs_the_same_for_100_as_for_1() -> None:
    await _holdings(await _volunteers())
    _, boss = await make_user("boss", Role.ADMIN)
    one = await _statements(VOLUNTEERS, 1, boss)
    hundred = await _statements(VOLUNTEERS, 100, boss)
    assert hundred == one
    assert one <= 9


async def test_the_catalogue_costs_the_same_for_100_as_for_1() -> None:
    await _catalogue()
    _, reader = await make_user("reader", Role.RESIDENT)
    one = await _statements(BENEFITS, 1, reader)
    hundred = await _statements(BENEFITS, 100, reader)
    assert hundred == one
    assert one <= 8


async def test_redemptions_and_eligibility_cost_the_same_for_100_as_for_1() -> None:
    benefits = await _catalogue()
    from tests.support import make_volunteer

    _, who, volunteer_id = await make_volunteer("vol")
    now = datetime.now(UTC)
    rows: list[Any] = [
        Redemption(
            benefit_id=b.id,
            volunteer_id=volunteer_id,
            code=f"C{i:09d}",
            idempotency_key=f"k{i}",
            request_hash="h",
            created_at=now,
            expires_at=now + timedelta(days=30),
        )
        for i, b in enumerate(benefits)
    ]
    await Redemption.bulk_create(rows)
    one = await _statements(REDEMPTIONS, 1, who)
    hundred = await _statements(REDEMPTIONS, 100, who)
    # Two paths (the redemptions and the eligibility list) reach the provider loader; whether
    # they share one batch depends on when PostgreSQL's replies arrive, not on the rows, so
    # the page is held to the same fixed bound rather than to the 1-row count exactly.
    assert one <= 11
    assert hundred <= 11


async def test_insurance_policies_cost_the_same_for_100_as_for_1() -> None:
    await InsurancePolicy.bulk_create(
        [
            InsurancePolicy(
                policy_number=f"P{n}",
                insurer="PICC",
                coverage="意外",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
            )
            for n in range(ROWS)
        ]
    )
    _, boss = await make_user("boss", Role.ADMIN)
    assert await _statements(POLICIES, 100, boss) == await _statements(POLICIES, 1, boss)
