"""`volunteer-city admin benefit-provider ...` and `admin insurance ...` in their own process:
the API's checks and coded errors, exit 1 on bad input, each change audited as `cli:<login>`."""

from __future__ import annotations

import getpass
from datetime import date
from decimal import Decimal

import pytest

from models.accounts import Role
from models.audit import AuditEntry
from models.rewards import BenefitProvider, InsurancePolicy, ProviderStaff
from services import geography
from tests.api.test_admin_cli import _run
from tests.conftest import Backend
from tests.support import count_statements, make_user

CONSOLE = f"cli:{getpass.getuser()}"


@pytest.fixture(autouse=True)
async def reference() -> None:
    await geography.bootstrap(geography.default_reference())


async def test_a_provider_is_created_changed_and_given_an_account(backend: Backend) -> None:
    clerk, _ = await make_user("clinic-clerk", Role.VOLUNTEER)

    created = _run(
        backend,
        "benefit-provider",
        "create",
        "惠城区测试社区医院",
        "--kind",
        "HOSPITAL",
        "--district",
        "441302",
        "--phone",
        "13800138000",
    )
    assert created.returncode == 0, created.stdout + created.stderr
    provider = await BenefitProvider.get(name="惠城区测试社区医院")
    assert provider.contact_phone == "13800138000"
    assert provider.district_id is not None
    pid = str(provider.id)
    updated = _run(backend, "benefit-provider", "update", pid, "--district", "none")
    added = _run(backend, "benefit-provider", "add-staff", pid, "clinic-clerk")
    listed = _run(backend, "benefit-provider", "list")

    assert updated.returncode == added.returncode == listed.returncode == 0, updated.stdout
    assert (await BenefitProvider.get(id=provider.id)).district_id is None
    assert await ProviderStaff.exists(provider_id=provider.id, user_id=clerk.id)
    line = [str(provider.id), "HOSPITAL", "-", str(clerk.id), "惠城区测试社区医院"]
    assert line in [row.split() for row in listed.stdout.splitlines()]
    entries = await AuditEntry.filter(object_type="BenefitProvider", object_id=provider.id)
    assert [e.action for e in sorted(entries, key=lambda e: e.id)] == [
        "createBenefitProvider",
        "updateBenefitProvider",
        "addProviderStaff",
    ]
    assert {e.actor_label for e in entries} == {CONSOLE}
    assert {e.actor_id for e in entries} == {None}
    assert entries[-1].after == {"staff_user_ids": [clerk.id]}

    removed = _run(backend, "benefit-provider", "remove-staff", pid, "clinic-clerk")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not await ProviderStaff.exists(provider_id=provider.id)


async def test_bad_provider_input_is_coded_and_changes_nothing(backend: Backend) -> None:
    before = await BenefitProvider.all().count()

    refused = _run(
        backend, "benefit-provider", "create", " ", "--kind", "BANK", "--district", "NOWHERE"
    )
    assert refused.returncode == 1
    assert "INVALID_TEXT" in refused.stdout and "DISTRICT_NOT_FOUND" in refused.stdout
    unknown_district = _run(backend, "benefit-provider", "update", "1", "--district", "NOWHERE")
    assert unknown_district.returncode == 1
    assert "DISTRICT_NOT_FOUND" in unknown_district.stdout
    unknown_user = _run(backend, "benefit-provider", "add-staff", "1", "no-such-user")
    assert unknown_user.returncode == 1
    assert "USER_NOT_FOUND" in unknown_user.stdout
    unknown_provider = _run(backend, "benefit-provider", "update", "99999", "--name", "某单位")
    assert unknown_provider.returncode == 1
    assert "PROVIDER_NOT_FOUND" in unknown_provider.stdout
    assert await BenefitProvider.all().count() == before
    assert await AuditEntry.all().count() == 0


async def test_a_policy_is_recorded_and_corrected_at_the_console(backend: Backend) -> None:
    recorded = _run(
        backend,
        "insurance",
        "record",
        "PICC-2027-0001",
        "--insurer",
        "中国人保惠州分公司",
        "--coverage",
        "志愿服务意外伤害",
        "--from",
        "2027-01-01",
        "--to",
        "2027-12-31",
        "--sum",
        "100000.00",
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    policy = await InsurancePolicy.get(policy_number="PICC-2027-0001")
    assert (policy.sum_insured, policy.recorded_by_id) == (Decimal("100000.00"), None)

    updated = _run(backend, "insurance", "update", str(policy.id), "--to", "2028-01-31")
    listed = _run(backend, "insurance", "list")

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (await InsurancePolicy.get(id=policy.id)).ends_on == date(2028, 1, 31)
    assert "PICC-2027-0001 2027-01-01..2028-01-31 0 covered" in " ".join(listed.stdout.split())
    entries = await AuditEntry.filter(object_type="InsurancePolicy").order_by("id")
    assert [(e.action, e.actor_label) for e in entries] == [
        ("recordInsurancePolicy", CONSOLE),
        ("updateInsurancePolicy", CONSOLE),
    ]
    assert (entries[1].before or {})["ends_on"] == "2027-12-31"
    assert (entries[1].after or {})["ends_on"] == "2028-01-31"


async def test_bad_policy_input_is_coded_and_changes_nothing(backend: Backend) -> None:
    refused = _run(
        backend,
        "insurance",
        "record",
        "PICC-X",
        "--insurer",
        "中国人保",
        "--coverage",
        "意外",
        "--from",
        "2027-12-31",
        "--to",
        "2027-01-01",
        "--sum",
        "-5",
    )
    assert refused.returncode == 1
    assert "INVALID_PERIOD" in refused.stdout and "INVALID_AMOUNT" in refused.stdout
    unknown = _run(backend, "insurance", "update", "99999", "--insurer", "某保险")
    assert unknown.returncode == 1
    assert "POLICY_NOT_FOUND" in unknown.stdout
    assert not await InsurancePolicy.exists(policy_number="PICC-X")
    assert await AuditEntry.all().count() == 0


async def test_the_lists_cost_two_statements_however_long() -> None:
    from api.admin_rewards import policy_rows, provider_rows

    clerk, _ = await make_user("clinic-clerk", Role.VOLUNTEER)
    for n in range(3):
        provider = await BenefitProvider.create(name=f"测试单位{n}", kind="MERCHANT")
        await ProviderStaff.create(provider_id=provider.id, user_id=clerk.id)
        await InsurancePolicy.create(
            policy_number=f"P-{n}",
            insurer="中国人保",
            coverage="意外",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
        )

    with count_statements() as counter:
        rows, staff = await provider_rows()
    assert len(counter.statements) == 2
    assert sum(len(users) for users in staff.values()) == 3 and len(rows) >= 3
    with count_statements() as counter:
        policies = await policy_rows()
    assert len(counter.statements) == 2
    assert [covered for _, covered in policies] == [0, 0, 0]
