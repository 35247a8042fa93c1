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
