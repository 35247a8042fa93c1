"""`volunteer-city admin ...`, run as a city's IT team runs it: in its own process, the same
checks as the API, every change in the audit log under `cli:<login>`."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys

import pytest

from models.audit import AuditEntry
from models.dispatch import DispatchCenter
from services import geography
from tests.conftest import Backend

CLI = [sys.executable, "-m", "api.cli", "admin"]
HUICHENG = "惠城区志愿服务调度中心"


def _run(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(autouse=True)
async def reference() -> None:
    await geography.bootstrap(geography.default_reference())


async def test_a_centre_is_changed_and_audited_as_the_console(backend: Backend) -> None:
    huicheng = await DispatchCenter.get(name=HUICHENG)
    await DispatchCenter.filter(id=huicheng.id).update(auto_assign=True)

    done = _run(
        backend, "center", "update", str(huicheng.id), "--no-auto-assign", "--escalate-after", "20"
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "auto-assign off" in done.stdout
    fresh = await DispatchCenter.get(id=huicheng.id)
    assert (fresh.auto_assign, fresh.escalate_after_minutes) == (False, 20)
    entry = await AuditEntry.get(object_type="DispatchCenter", object_id=huicheng.id)
    assert (entry.actor_id, entry.actor_label) == (None, f"cli:{getpass.getuser()}")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["auto_assign"], entry.after["auto_assign"]) == (True, False)


async def test_bad_input_is_printed_coded_and_changes_nothing(backend: Backend) -> None:
    huicheng = await DispatchCenter.get(name=HUICHENG)

    done = _run(
        backend, "center", "update", str(huicheng.id), "--escalate-after", "0", "--district", "X"
    )

    assert done.returncode == 1
    assert "INVALID_ESCALATION" in done.stdout
    assert "UNKNOWN_DISTRICT" in done.stdout
    assert (await DispatchCenter.get(id=huicheng.id)).escalate_after_minutes == (
        huicheng.escalate_after_minutes
    )
    assert await AuditEntry.all().count() == 0
    unknown = _run(backend, "center", "update", "9999", "--auto-assign")
    assert unknown.returncode == 1
    assert "CENTER_NOT_FOUND" in unknown.stdout


async def test_a_district_and_a_community_are_changed_at_the_console(backend: Backend) -> None:
    from models.geography import Community, District

    done = _run(backend, "district", "update", "441302", "--population", "1700000")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (await District.get(code="HUICHENG")).population == 1_700_000
    community = await Community.all().order_by("id").first()
    assert community is not None
    refused = _run(backend, "community", "update", str(community.id), "--population", "-3")
    assert refused.returncode == 1
    assert "INVALID_POPULATION" in refused.stdout
    assert [e.action for e in await AuditEntry.all()] == ["updateDistrict"]


async def test_a_civic_category_changes_department_at_the_console(backend: Backend) -> None:
    from models.civic import CivicCategory
    from services.civic.catalogue import ensure_categories

    await ensure_categories()
    category = await CivicCategory.all().order_by("id").first()
    assert category is not None

    done = _run(backend, "civic-category", "update", category.code, "--department", "市城管执法局")

    assert done.returncode == 0, done.stdout + done.stderr
    assert (await CivicCategory.get(id=category.id)).department == "市城管执法局"
    unknown = _run(backend, "civic-category", "update", "NO_SUCH", "--withdrawn")
    assert unknown.returncode == 1
    assert "UNKNOWN_CATEGORY" in unknown.stdout


async def test_an_organisation_is_unverified_only_with_a_reason(backend: Backend) -> None:
    from models.organizations import Organization
    from tests.support import make_organization, make_volunteer

    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    await Organization.filter(id=organization_id).update(verified=True)

    refused = _run(backend, "organization", "unverify", str(organization_id))
    assert refused.returncode == 1
    assert "REASON_REQUIRED" in refused.stdout
    done = _run(backend, "organization", "unverify", str(organization_id), "--reason", "过期")

    assert done.returncode == 0, done.stdout + done.stderr
    assert not (await Organization.get(id=organization_id)).verified
    entry = await AuditEntry.get(object_type="Organization")
    assert entry.after == {"verified": False, "reason": "过期"}


async def test_a_benefit_is_withdrawn_at_the_console(backend: Backend) -> None:
    from models.rewards import Benefit

    benefit = await Benefit.all().order_by("id").first()
    assert benefit is not None and benefit.active

    done = _run(backend, "benefit", "update", benefit.code, "--withdrawn")

    assert done.returncode == 0, done.stdout + done.stderr
    assert not (await Benefit.get(id=benefit.id)).active
    entry = await AuditEntry.get(object_type="Benefit")
    assert ((entry.before or {})["active"], (entry.after or {})["active"]) == (True, False)
    unknown = _run(backend, "benefit", "update", "NO_SUCH_BENEFIT", "--stock", "3")
    assert unknown.returncode == 1
    assert "BENEFIT_NOT_FOUND" in unknown.stdout
