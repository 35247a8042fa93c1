"""The demo rewards: the scheme's 18 benefits with providers, a provider account, cards,
insurance, commendations and redemptions; loaded with the demo data, and idempotent."""

from __future__ import annotations

import demo as demo_data
from demo import rewards as demo_rewards
from models.accounts import User
from models.rewards import (
    Benefit,
    BenefitDelivery,
    BenefitProvider,
    Commendation,
    InsuranceCoverage,
    ProviderStaff,
    Redemption,
    ServiceCard,
    StarLevelAchievement,
)
from models.volunteers import Volunteer, VolunteerStatus
from services.geography import default_reference
from services.rewards.cards import parse_number

SMALL = demo_data.Scale("test", volunteers=120, organizations=10)


async def counts() -> list[int]:
    return [
        await model.all().count()
        for model in (
            BenefitProvider,
            Benefit,
            ProviderStaff,
            ServiceCard,
            InsuranceCoverage,
            Commendation,
            Redemption,
            StarLevelAchievement,
        )
    ]


async def test_the_demo_rewards_are_the_schemes_18_and_a_rerun_adds_nothing() -> None:
    # given the demo data, loaded once
    await demo_data.seed(SMALL)
    first = await counts()

    # then the 18 benefits are there, each with its provider and basis
    benefits = await Benefit.all().prefetch_related("provider")
    assert len(benefits) == 18 == len(default_reference().benefits)
    assert all(b.basis and b.provider.name for b in benefits)
    assert {b.delivery for b in benefits} == set(BenefitDelivery)
    named = [b for b in benefits if not b.basis.startswith("示例")]
    assert len(named) >= 12
    # a provider account, cards with valid numbers, everyone active insured
    provider = await User.get(username=demo_rewards.PROVIDER_USER)
    assert await ProviderStaff.filter(user_id=provider.id).count() == 2
    cards = await ServiceCard.all()
    assert cards and all(parse_number(c.number) == c.number for c in cards)
    demo_volunteer = await Volunteer.get(user__username="volunteer")
    assert await ServiceCard.exists(volunteer_id=demo_volunteer.id, live_holder=demo_volunteer.id)
    active = await Volunteer.filter(status=VolunteerStatus.ACTIVE).count()
    assert await InsuranceCoverage.all().count() == active
    assert first[5] > 0 and first[6] > 0 and first[7] > 0
    # stock counters match the redemptions made
    for benefit in benefits:
        assert benefit.redeemed == await Redemption.filter(benefit_id=benefit.id).count()

    # when it is loaded again, nothing is added
    await demo_data.seed(SMALL)
    assert await counts() == first
