"""Insurance cover for active volunteers (recorded by admins, seen by the volunteer and staff)
and commendations (by the city, or by an organisation for its members; public)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.accounts import Role, User
from models.organizations import Membership, MembershipStatus
from models.rewards import Commendation, InsuranceCoverage
from models.volunteers import Volunteer, VolunteerStatus
from services import organizations
from services.accounts import principal_for
from services.common.errors import NotPermitted
from services.common.principal import Principal
from services.rewards import cover as rewards_cover
from tests.rewards.support import admin, fails, gid, volunteer
from tests.support import (
    data_of,
    error_codes,
    gql,
    huicheng,
    make_organization,
    make_user,
    make_volunteer,
)


def policy_data(number: str = "HZVOL-2026") -> rewards_cover.NewPolicy:
    return rewards_cover.NewPolicy(
        policy_number=number,
        insurer="中国人民财产保险股份有限公司惠州市分公司",
        coverage="志愿服务期间意外伤害",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        sum_insured=Decimal(200000),
    )


async def test_a_policy_covers_named_or_all_active_volunteers_once() -> None:
    boss = await admin()
    people = [await volunteer(f"vol{i}") for i in range(4)]
    ids = [volunteer_id for _, volunteer_id in people]
    await Volunteer.filter(id=ids[3]).update(status=VolunteerStatus.SUSPENDED)

    with pytest.raises(NotPermitted):
        await rewards_cover.record_policy(people[0][0], policy_data())
    bad = rewards_cover.NewPolicy("", "", "", date(2026, 2, 1), date(2026, 1, 1), Decimal(-1))
    assert sorted(await fails(rewards_cover.record_policy(boss, bad))) == [
        "INVALID_AMOUNT",
        "INVALID_PERIOD",
        "INVALID_TEXT",
        "INVALID_TEXT",
        "INVALID_TEXT",
    ]
    policy = await rewards_cover.record_policy(boss, policy_data())
    assert await fails(rewards_cover.record_policy(boss, policy_data())) == ["DUPLICATE_POLICY"]

    # Named: every unknown or inactive volunteer refuses the whole call.
    refused = rewards_cover.cover(boss, policy.id, [ids[0], ids[3], 9999])
    assert sorted(await fails(refused)) == ["VOLUNTEER_NOT_ACTIVE", "VOLUNTEER_NOT_FOUND"]
    assert await InsuranceCoverage.all().count() == 0
    assert await fails(rewards_cover.cover(boss, policy.id, [])) == ["TOO_MANY_VOLUNTEERS"]
    assert await rewards_cover.cover(boss, policy.id, [ids[0], ids[0]]) == 1

    # All active ones: the rest are added, the suspended one is not, and again adds nobody.
    assert await rewards_cover.cover_active(boss, policy.id) == 2
    assert await rewards_cover.cover_active(boss, policy.id) == 0
    covered = await InsuranceCoverage.filter(policy_id=policy.id).order_by("volunteer_id")
    assert [c.volunteer_id for c in covered] == ids[:3]
    assert {(c.starts_on, c.ends_on) for c in covered} == {(date(2026, 1, 1), date(2026, 12, 31))}
    assert await fails(rewards_cover.cover_active(boss, 9999)) == ["POLICY_NOT_FOUND"]


async def test_covering_a_district_covers_only_its_volunteers() -> None:
    from models.geography import District

    boss = await admin()
    _, here = await volunteer("here")
    _, there = await volunteer("there")
    boluo = await District.get(code="BOLUO")
    await Volunteer.filter(id=there).update(district_id=boluo.id)
    policy = await rewards_cover.record_policy(boss, policy_data())
    assert await rewards_cover.cover_active(boss, policy.id, (await huicheng()).id) == 1
    assert [c.volunteer_id for c in await InsuranceCoverage.all()] == [here]


COVERAGE = """
query ($id: ID!) {
  volunteer(id: $id) {
    insuranceCoverage { from to current policy { policyNumber insurer sumInsured coveredCount } }
    commendations { title awardedOn issuer citation organization { name } }
  }
}
"""
RECORD = """
mutation ($input: RecordInsurancePolicyInput!) {
  recordInsurancePolicy(input: $input) { policy { id policyNumber from to } errors { code field } }
}
"""
COVER_ALL = """
mutation ($input: CoverActiveVolunteersInput!) {
  coverActiveVolunteers(input: $input) { added policy { coveredCount } errors { code } }
}
"""
COMMEND = """
mutation ($input: CommendVolunteerInput!) {
  commendVolunteer(input: $input) { commendation { title issuer } errors { code field } }
}
"""
POLICIES = "{ insurancePolicies(first: 10) { totalCount nodes { policyNumber coveredCount } } }"


async def test_insurance_is_seen_by_the_volunteer_and_staff_only() -> None:
    boss = await admin()
    who, volunteer_id = await volunteer("vol")
    other, _ = await volunteer("other")
    _, dispatcher = await make_user("dispatcher", Role.DISPATCHER)
    given = {
        "policyNumber": "HZVOL-2026",
        "insurer": "中国人民财产保险股份有限公司惠州市分公司",
        "coverage": "意外伤害",
        "from": "2026-01-01",
        "to": "2026-12-31",
        "sumInsured": "200000",
    }
    assert error_codes(await gql(RECORD, {"input": given}, who)) == ["NOT_PERMITTED"]
    recorded = (await data_of(RECORD, {"input": given}, boss))["recordInsurancePolicy"]
    assert recorded["errors"] == [] and recorded["policy"]["from"] == "2026-01-01"
    policy_id = recorded["policy"]["id"]
    covered = await data_of(COVER_ALL, {"input": {"policy": policy_id}}, boss)
    assert covered["coverActiveVolunteers"] == {
        "added": 2,
        "policy": {"coveredCount": 2},
        "errors": [],
    }
    wrong = {"policy": gid("Volunteer", volunteer_id)}
    missing = (await data_of(COVER_ALL, {"input": wrong}, boss))["coverActiveVolunteers"]
    assert missing == {"added": 0, "policy": None, "errors": [{"code": "POLICY_NOT_FOUND"}]}

    ids = {"id": gid("Volunteer", volunteer_id)}
    for viewer in (who, boss, dispatcher):
        [cover] = (await data_of(COVERAGE, ids, viewer))["volunteer"]["insuranceCoverage"]
        assert cover["policy"]["policyNumber"] == "HZVOL-2026"
        assert cover["policy"]["sumInsured"] == "200000.00"
    assert (await data_of(COVERAGE, ids, other))["volunteer"]["insuranceCoverage"] == []
    assert error_codes(await gql(POLICIES, principal=other)) == ["NOT_PERMITTED"]
    listed = (await data_of(POLICIES, principal=dispatcher))["insurancePolicies"]
    assert listed == {"totalCount": 1, "nodes": [{"policyNumber": "HZVOL-2026", "coveredCount": 2}]}


async def org_with_admin_and_member() -> tuple[Principal, int, int, Principal]:
    """An organisation whose founder is its admin (ORG_ADMIN) and with one approved member."""
    founder_user, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    # Founding made them an ORG_ADMIN: sign in again to carry the role.
    founder = principal_for(await User.get(id=founder_user.id))
    member, member_id = await volunteer("member")
    membership = await organizations.apply(member, organization_id)
    await organizations.decide(founder, membership.id, approve=True)
    return founder, organization_id, member_id, member


async def test_commendations_by_the_city_or_an_organisation_for_its_members() -> None:
    boss = await admin()
    founder, organization_id, member_id, member = await org_with_admin_and_member()
    _, outsider_id = await volunteer("outsider")
    today = date.today()

    city = rewards_cover.NewCommendation(member_id, "惠州市优秀志愿者", today, "十年如一日")
    with pytest.raises(NotPermitted):
        await rewards_cover.commend(founder, city)
    made = await rewards_cover.commend(boss, city)
    assert made.issuer == "惠州市志愿服务联合会" and made.organization_id is None

    ours = rewards_cover.NewCommendation(
        member_id, "优秀队员", today, organization_id=organization_id
    )
    by_org = await rewards_cover.commend(founder, ours)
    assert by_org.issuer == "惠城区红马甲志愿服务队"
    stranger = rewards_cover.NewCommendation(
        outsider_id, "优秀队员", today, organization_id=organization_id
    )
    assert await fails(rewards_cover.commend(founder, stranger)) == ["NOT_A_MEMBER"]
    with pytest.raises(NotPermitted):
        await rewards_cover.commend(member, ours)
    # A given issuer does not bypass the check that the caller may speak for the organisation.
    with pytest.raises(NotPermitted):
        await rewards_cover.commend(
            member,
            rewards_cover.NewCommendation(
                member_id, "x", today, issuer="anyone", organization_id=organization_id
            ),
        )
    future = rewards_cover.NewCommendation(member_id, " ", today + timedelta(days=1))
    assert sorted(await fails(rewards_cover.commend(boss, future))) == [
        "INVALID_PERIOD",
        "INVALID_TEXT",
    ]
    gone = rewards_cover.NewCommendation(member_id, "x", today, organization_id=9999)
    assert await fails(rewards_cover.commend(founder, gone)) == ["ORGANIZATION_NOT_FOUND"]
    assert await Commendation.all().count() == 2
    await Membership.filter(volunteer_id=member_id).update(status=MembershipStatus.REJECTED)
    assert await fails(rewards_cover.commend(founder, ours)) == ["NOT_A_MEMBER"]


async def test_commendations_are_public_on_the_volunteer_and_made_through_graphql() -> None:
    boss = await admin()
    founder, organization_id, member_id, _ = await org_with_admin_and_member()
    given = {
        "volunteer": gid("Volunteer", member_id),
        "title": "优秀队员",
        "awardedOn": date.today().isoformat(),
        "organization": gid("Organization", organization_id),
    }
    made = (await data_of(COMMEND, {"input": given}, founder))["commendVolunteer"]
    assert made == {
        "commendation": {"title": "优秀队员", "issuer": "惠城区红马甲志愿服务队"},
        "errors": [],
    }
    city = {**given, "organization": None, "title": "五星级志愿者"}
    assert error_codes(await gql(COMMEND, {"input": city}, founder)) == ["NOT_PERMITTED"]
    await data_of(COMMEND, {"input": {**city, "awardedOn": "2016-12-05"}}, boss)
    assert error_codes(await gql(COMMEND, {"input": given})) == ["NOT_AUTHENTICATED"]

    _, reader = await make_user("reader", Role.RESIDENT)
    shown = (await data_of(COVERAGE, {"id": gid("Volunteer", member_id)}, reader))["volunteer"]
    assert [(c["title"], c["organization"]) for c in shown["commendations"]] == [
        ("优秀队员", {"name": "惠城区红马甲志愿服务队"}),
        ("五星级志愿者", None),
    ]
