"""suggestVolunteers on hand-made registries: the order's category decides who fits, a valid
certificate counts, distance decides between equals, and the statements do not grow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.activities import Qualification
from models.dispatch import ServiceCategory, ServiceOrder
from models.volunteers import Skill, Volunteer
from services.dispatch import matching
from services.dispatch.categories import CATEGORY_NEEDS
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG, huicheng_order, make_centers, people
from tests.support import count_statements, make_volunteer

# About 1.1 km north of the order per 0.01 degree.
NEAR = (HUICHENG_LAT + 0.01, HUICHENG_LNG)


async def volunteer(name: str, n: int, skills: list[Skill], at: tuple[float, float] = NEAR) -> int:
    _, _, volunteer_id = await make_volunteer(
        name, phone=f"1370013{n:04d}", skills=skills, home_lat=at[0], home_lng=at[1]
    )
    return volunteer_id


async def ranking(category: ServiceCategory, **order: Any) -> list[matching.Suggestion]:
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"], category=category, **order)
    return await matching.suggest(await ServiceOrder.get(id=order_id), 20)


def scores(ranked: list[matching.Suggestion]) -> dict[int, float]:
    return {s.volunteer.id: s.score for s in ranked}


def order_of(ranked: list[matching.Suggestion], *ids: int) -> list[int]:
    return [s.volunteer.id for s in ranked if s.volunteer.id in ids]


def part(suggestion: matching.Suggestion, name: str) -> matching.ScorePart:
    return next(p for p in suggestion.parts if p.name == name)


def test_every_category_says_what_it_needs() -> None:
    assert set(CATEGORY_NEEDS) == set(ServiceCategory)


async def test_an_elderly_care_order_ranks_a_carer_far_above_a_sign_language_volunteer() -> None:
    carer = await volunteer("carer", 1, [Skill.ELDERLY_CARE])
    signer = await volunteer("signer", 2, [Skill.SIGN_LANGUAGE])
    ranked = await ranking(ServiceCategory.ELDERLY_CARE)
    by_id = scores(ranked)
    assert ranked[0].volunteer.id == carer
    assert by_id[carer] - by_id[signer] >= 30, ranked
    top = ranked[0]
    assert part(top, "category").points == 30 and "ELDERLY_CARE" in part(top, "category").reason
    signer_row = next(s for s in ranked if s.volunteer.id == signer)
    assert part(signer_row, "category").points == 0
    assert round(sum(p.max_points for p in top.parts)) == 100


async def test_a_fit_volunteer_across_town_outranks_an_unfit_neighbour() -> None:
    far_carer = await volunteer(
        "far-carer", 1, [Skill.ELDERLY_CARE], (HUICHENG_LAT + 0.1, HUICHENG_LNG)
    )
    neighbour = await volunteer(
        "neighbour", 2, [Skill.TRAFFIC_GUIDANCE], (HUICHENG_LAT, HUICHENG_LNG)
    )
    ranked = await ranking(ServiceCategory.ELDERLY_CARE)
    assert order_of(ranked, far_carer, neighbour) == [far_carer, neighbour]
    assert part(ranked[1], "distance").points > part(ranked[0], "distance").points


async def test_distance_decides_between_equally_fit_volunteers() -> None:
    farther = await volunteer("farther", 1, [Skill.TUTORING], (HUICHENG_LAT + 0.05, HUICHENG_LNG))
    closer = await volunteer("closer", 2, [Skill.TUTORING], NEAR)
    ranked = await ranking(ServiceCategory.TUTORING)
    assert order_of(ranked, closer, farther) == [closer, farther]
    assert 0 < scores(ranked)[closer] - scores(ranked)[farther] < 10


async def test_helpful_skills_give_part_of_the_fit() -> None:
    driver = await volunteer("driver", 1, [Skill.DRIVING])
    performer = await volunteer("performer", 2, [Skill.CULTURAL_PERFORMANCE])
    medic = await volunteer("medic", 3, [Skill.MEDICAL])
    ranked = await ranking(ServiceCategory.MEDICAL_ESCORT)
    assert order_of(ranked, medic, driver, performer) == [medic, driver, performer]
    fit = {s.volunteer.id: part(s, "category").points for s in ranked}
    assert fit[medic] == 30 and 0 < fit[driver] < 30 and fit[performer] == 0


async def test_a_valid_first_aid_certificate_counts_and_an_expired_one_does_not() -> None:
    certified = await volunteer("certified", 1, [Skill.MEDICAL])
    expired = await volunteer("expired", 2, [Skill.MEDICAL])
    uncertified = await volunteer("uncertified", 3, [Skill.MEDICAL])
    now = datetime.now(UTC)
    await Qualification.create(
        volunteer_id=certified,
        skill=Skill.FIRST_AID,
        granted_at=now - timedelta(days=30),
        expires_at=now + timedelta(days=1000),
    )
    await Qualification.create(
        volunteer_id=expired,
        skill=Skill.FIRST_AID,
        granted_at=now - timedelta(days=1200),
        expires_at=now - timedelta(days=100),
    )
    ranked = await ranking(ServiceCategory.MEDICAL_ESCORT)
    assert ranked[0].volunteer.id == certified
    by_id = scores(ranked)
    assert by_id[certified] - by_id[expired] == 15
    assert by_id[expired] == by_id[uncertified]
    assert "certified FIRST_AID" in part(ranked[0], "qualification").reason


async def test_the_skills_a_requester_names_still_count_within_the_category() -> None:
    both = await volunteer("both", 1, [Skill.ELDERLY_CARE, Skill.MEDICAL])
    carer = await volunteer("carer", 2, [Skill.ELDERLY_CARE, Skill.FIRST_AID])
    ranked = await ranking(
        ServiceCategory.ELDERLY_CARE, required_skills=[Skill.MEDICAL, Skill.FIRST_AID]
    )
    assert {s.volunteer.id for s in ranked} == {both, carer}
    assert all(part(s, "skills").points == 10 for s in ranked)
    assert all(part(s, "qualification").points == 0 for s in ranked)


async def test_the_bounded_candidate_set_keeps_the_fit_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The unfit have more hours, which used to decide who entered the set.
    unfit = [await volunteer(f"busy-{i}", i, [Skill.IT_SUPPORT]) for i in range(3)]
    await Volunteer.filter(id__in=unfit).update(total_hours=Decimal(500))
    carer = await volunteer("carer", 9, [Skill.ELDERLY_CARE])
    monkeypatch.setattr(matching, "MAX_CANDIDATES", 2)
    ranked = await ranking(ServiceCategory.ELDERLY_CARE)
    assert ranked[0].volunteer.id == carer and len(ranked) == 2


async def test_suggestions_cost_the_same_statements_for_2_and_20_candidates() -> None:
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"], category=ServiceCategory.ELDERLY_CARE)
    order = await ServiceOrder.get(id=order_id)
    counts = []
    for n in range(20):
        await volunteer(f"vol-{n}", n, [Skill.ELDERLY_CARE] if n % 2 else [Skill.DRIVING])
        if n in (1, 19):
            with count_statements() as counter:
                ranked = await matching.suggest(order, 50)
            counts.append(len(counter.statements))
            assert len(ranked) >= n + 1
    assert counts[0] == counts[1] == 3, counts
