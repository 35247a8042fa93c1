"""Every real import run is in the audit log, once, with who ran it, the kind, the file and
what it did; a dry run changes nothing and leaves no entry. Through GraphQL (a job) and the
command line (in its own process, as a city's IT team runs it)."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest
from strawberry import relay

from models.accounts import Role
from models.audit import AuditEntry
from services import imports
from tests.conftest import Backend
from tests.imports.files import VOLUNTEER_HEADER, write_csv
from tests.imports.test_imports import _with_bad_rows
from tests.imports.test_schema import START, _csv, _input
from tests.support import data_of, make_user

pytestmark = pytest.mark.asyncio


def _after(kind: str, file_name: str, source: str) -> dict[str, object]:
    # _with_bad_rows: 7 rows, 3 good, 4 refused; none present before.
    return {
        "kind": kind,
        "file_name": file_name,
        "source_system": source,
        "read": 7,
        "added": 3,
        "skipped": 0,
        "refused": 4,
    }


async def test_an_import_job_is_audited_as_its_administrator() -> None:
    admin_user, admin = await make_user("ops", Role.ADMIN)

    dry = await data_of(START, _input(_csv(_with_bad_rows()), dryRun=True), admin)
    await imports.wait_for(
        int(relay.GlobalID.from_id(dry["startImport"]["importJob"]["id"]).node_id)
    )
    assert await AuditEntry.all().count() == 0
    real = await data_of(START, _input(_csv(_with_bad_rows())), admin)
    job_id = int(relay.GlobalID.from_id(real["startImport"]["importJob"]["id"]).node_id)
    await imports.wait_for(job_id)

    (entry,) = await AuditEntry.all()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "importRecords",
        "ImportJob",
        job_id,
    )
    assert (entry.actor_id, entry.actor_label) == (admin_user.id, "ops")
    assert entry.before is None
    assert entry.after == _after("VOLUNTEERS", "v.csv", "import")


async def test_a_console_import_is_audited_as_cli(backend: Backend, tmp_path: Path) -> None:
    from services import geography

    await geography.bootstrap(geography.default_reference())
    registry = write_csv(tmp_path / "registry.csv", VOLUNTEER_HEADER, _with_bad_rows())
    env = {
        **os.environ,
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
    }
    command = [sys.executable, "-m", "api.cli", "import", "volunteers", str(registry)]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *extra], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    dry = run("--dry-run", "--source", "old-registry")
    assert "would add 3" in dry.stdout, dry.stdout + dry.stderr
    assert await AuditEntry.all().count() == 0
    done = run("--source", "old-registry")
    assert "added 3" in done.stdout, done.stdout + done.stderr

    (entry,) = await AuditEntry.all()
    assert (entry.action, entry.object_type, entry.object_id) == ("importRecords", "ImportJob", 0)
    assert (entry.actor_id, entry.actor_label) == (None, f"cli:{getpass.getuser()}")
    assert entry.after == _after("VOLUNTEERS", "registry.csv", "old-registry")
