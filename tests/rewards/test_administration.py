"""Administering benefits, providers and their staff, and insurance policies: each change is in
the audit log with before → after; the new corrections (`updateBenefitProvider`,
`updateInsurancePolicy`) are checked, coded, and for administrators only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.accounts import Role
from models.audit import AuditEntry
from models.rewards import BenefitProvider, InsuranceCoverage, InsurancePolicy
from services.common.principal import Principal
from services.rewards import catalogue as rewards_catalogue
from services.rewards import cover as rewards_cover
from services.rewards import providers as rewards_providers
from tests.rewards.support import admin, benefit, fails, gid, provider, volunteer
from tests.support import data_of, error_codes, gql, make_user

UPDATE_PROVIDER = """
mutation ($input: UpdateBenefitProviderInput!) {
  updateBenefitProvider(input: $input) {
    provider { name kind address }
    errors { code field }
  }
}"""
UPDATE_POLICY = """
mutation ($input: UpdateInsurancePolicyInput!) {
  updateInsurancePolicy(input: $input) {
    policy { insurer from to }
    errors { code field }
  }
}"""
STAFF = """
mutation ($input: ProviderStaffInput!) {
  addProviderStaff(input: $input) { provider { name } errors { code } }
}"""


async def _entries(object_type: str) -> list[AuditEntry]:
    return await AuditEntry.filter(object_type=object_type).order_by("id")


async def _policy(by: Principal) -> InsurancePolicy:
    return await rewards_cover.record_policy(
        by,
        rewards_cover.NewPolicy(
            policy_number="HZVOL-2026",
            insurer="中国人民财产保险股份有限公司惠州市分公司",
            coverage="意外伤害",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        ),
    )


async def test_a_provider_is_created_renamed_and_staffed_with_every_step_audited() -> None:
    boss = await admin()
    provider_id = await provider(boss)
    clerk, _ = await make_user("clerk")

    renamed = await data_of(
        UPDATE_PROVIDER,
        {
            "input": {
                "provider": gid("BenefitProvider", provider_id),
                "address": "惠城区鹅岭北路41号",
            }
        },
        boss,
    )
    assert renamed["updateBenefitProvider"]["provider"]["address"] == "惠城区鹅岭北路41号"
    staff = {"provider": gid("BenefitProvider", provider_id), "user": gid("User", clerk.id)}
    await data_of(STAFF, {"input": staff}, boss)
    await data_of(STAFF, {"input": staff}, boss)  # a second time changes nothing
    await rewards_providers.remove_staff(boss, provider_id, clerk.id)

    entries = await _entries("BenefitProvider")
    assert [e.action for e in entries] == [
        "createBenefitProvider",
        "updateBenefitProvider",
        "addProviderStaff",
        "removeProviderStaff",
    ]
    assert entries[0].before is None and (entries[0].after or {})["name"] == "惠州市中心人民医院"
    assert ((entries[1].before or {})["address"], (entries[1].after or {})["address"]) == (
        "",
        "惠城区鹅岭北路41号",
    )
    assert (entries[2].before, entries[2].after) == (
        {"staff_user_ids": []},
        {"staff_user_ids": [clerk.id]},
    )
    assert entries[3].after == {"staff_user_ids": []}
    assert {e.actor_label for e in entries} == {"admin"}


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"name": ""}, ["INVALID_TEXT"]),
        ({"name": "惠州市第一人民医院"}, ["DUPLICATE_NAME"]),
        ({"contactPhone": "not a phone"}, ["INVALID_TEXT"]),
        ({"district": gid("District", 9999)}, ["DISTRICT_NOT_FOUND"]),
        ({"district": gid("Station", 1)}, ["DISTRICT_NOT_FOUND"]),
    ],
)
async def test_bad_provider_changes_are_coded_and_change_nothing(
    changes: dict[str, Any], codes: list[str]
) -> None:
    boss = await admin()
    provider_id = await provider(boss)
    await provider(boss, "惠州市第一人民医院")
    result = await data_of(
        UPDATE_PROVIDER,
        {"input": {"provider": gid("BenefitProvider", provider_id), **changes}},
        boss,
    )
    assert [e["code"] for e in result["updateBenefitProvider"]["errors"]] == codes
    assert (await BenefitProvider.get(id=provider_id)).name == "惠州市中心人民医院"
    assert [e.action for e in await _entries("BenefitProvider")] == ["createBenefitProvider"] * 2


async def test_a_benefits_terms_change_with_before_and_after() -> None:
    boss = await admin()
    row = await benefit(boss, await provider(boss), stock=10)

    await rewards_catalogue.update_benefit(boss, row.id, {"stock": 25, "active": False})

    entries = await _entries("Benefit")
    assert [e.action for e in entries] == ["createBenefit", "updateBenefit"]
    before, after = entries[1].before or {}, entries[1].after or {}
    assert (before["stock"], after["stock"]) == (10, 25)
    assert (before["active"], after["active"]) == (True, False)
    assert after["code"] == "HEALTH_CHECK"


async def test_a_refused_benefit_change_records_nothing() -> None:
    boss = await admin()
    row = await benefit(boss, await provider(boss), stock=10)
    await rewards_catalogue.update_benefit(boss, row.id, {})
    assert await fails(rewards_catalogue.update_benefit(boss, row.id, {"stock": -1})) == [
        "INVALID_STOCK"
    ]
    assert [e.action for e in await _entries("Benefit")] == ["createBenefit"]


async def test_a_policy_is_recorded_then_corrected() -> None:
    boss = await admin()
    policy = await _policy(boss)

    corrected = await data_of(
        UPDATE_POLICY,
        {"input": {"policy": gid("InsurancePolicy", policy.id), "to": "2027-01-31"}},
        boss,
    )

    assert corrected["updateInsurancePolicy"]["policy"]["to"] == "2027-01-31"
    entries = await _entries("InsurancePolicy")
    assert [e.action for e in entries] == ["recordInsurancePolicy", "updateInsurancePolicy"]
    assert ((entries[1].before or {})["ends_on"], (entries[1].after or {})["ends_on"]) == (
        "2026-12-31",
        "2027-01-31",
    )


async def test_a_policy_period_cannot_drop_a_volunteers_cover() -> None:
    boss = await admin()
    policy = await _policy(boss)
    _, volunteer_id = await volunteer("vol")
    await rewards_cover.cover(boss, policy.id, [volunteer_id])
    assert (await InsuranceCoverage.get(policy_id=policy.id)).ends_on > date(2026, 6, 30)

    shrunk = await data_of(
        UPDATE_POLICY,
        {"input": {"policy": gid("InsurancePolicy", policy.id), "to": "2026-06-30"}},
        boss,
    )
    backwards = await data_of(
        UPDATE_POLICY,
        {"input": {"policy": gid("InsurancePolicy", policy.id), "from": "2027-02-01"}},
        boss,
    )
    bad_sum = await data_of(
        UPDATE_POLICY,
        {"input": {"policy": gid("InsurancePolicy", policy.id), "sumInsured": "-1"}},
        boss,
    )

    assert [e["code"] for e in shrunk["updateInsurancePolicy"]["errors"]] == ["INVALID_PERIOD"]
    assert [e["code"] for e in backwards["updateInsurancePolicy"]["errors"]] == ["INVALID_PERIOD"]
    assert [e["code"] for e in bad_sum["updateInsurancePolicy"]["errors"]] == ["INVALID_AMOUNT"]
    unknown = await data_of(
        UPDATE_POLICY, {"input": {"policy": gid("InsurancePolicy", 999), "insurer": "x"}}, boss
    )
    assert unknown["updateInsurancePolicy"]["errors"] == [
        {"code": "POLICY_NOT_FOUND", "field": "policy"}
    ]
    assert (await InsurancePolicy.get(id=policy.id)).ends_on == date(2026, 12, 31)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_an_administrator_corrects_providers_and_policies(role: Role) -> None:
    boss = await admin()
    provider_id = await provider(boss)
    policy = await _policy(boss)
    _, someone = await make_user("someone", role)
    update = {"input": {"provider": gid("BenefitProvider", provider_id), "name": "x"}}
    assert error_codes(await gql(UPDATE_PROVIDER, update, someone)) == ["NOT_PERMITTED"]
    correct = {"input": {"policy": gid("InsurancePolicy", policy.id), "insurer": "x"}}
    assert error_codes(await gql(UPDATE_POLICY, correct, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(UPDATE_POLICY, correct)) == ["NOT_AUTHENTICATED"]
