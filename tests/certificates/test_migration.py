"""Migration 0015 numbers the volunteers registered before volunteer numbers existed, and the
declining migration keeps the certificates of before, on both databases. Each runs in a child
process: migrating another database re-initialises Tortoise, which this test session's own
connection must survive."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from tests.conftest import Backend, DatabaseServer

SCRIPT = r"""
import asyncio, os
from tortoise import Tortoise, connections
from tortoise.migrations.api.migrate import migrate
from models.db import close_database, open_database, tortoise_config
from stdnum import luhn

async def main() -> None:
    await migrate(config=tortoise_config(), target="models.0016_activities")
    await close_database()
    await open_database()
    db = connections.get("default")
    # A district as the schema of then has it (reference data of now needs later columns).
    await db.execute_script(
        "INSERT INTO district (code, name, name_en, population, center_lat, center_lng) "
        "VALUES ('huicheng', '惠城区', 'Huicheng', 1000, 23.1, 114.4)"
    )
    [district] = await db.execute_query_dict("SELECT id FROM district ORDER BY id LIMIT 1")
    for i in range(3):
        await db.execute_script(
            "INSERT INTO volunteer (real_name, phone, id_number, id_number_hash, gender, "
            "district_id, skills, availability, registered_at, status, total_hours, updated_at) "
            f"VALUES ('old{i}', '13800138000', 'id{i}', 'hash{i}', 'MALE', {district['id']}, "
            "'', '', '2020-01-01 00:00:00+00:00', 'ACTIVE', 0, '2020-01-01 00:00:00+00:00')"
        )
    await close_database()
    await migrate(config=tortoise_config())
    await close_database()
    await open_database()
    db = connections.get("default")
    rows = await db.execute_query_dict("SELECT volunteer_number FROM volunteer")
    numbers = [r["volunteer_number"] for r in rows]
    assert len(numbers) == 3 and len(set(numbers)) == 3, numbers
    assert all(len(n) == 20 and n.startswith("441300") and luhn.is_valid(n) for n in numbers)
    try:
        await db.execute_script(
            f"UPDATE volunteer SET volunteer_number = '{numbers[0]}' "
            f"WHERE volunteer_number = '{numbers[1]}'"
        )
    except Exception:
        print("unique")
    await close_database()

asyncio.run(main())
"""


# Certificates requested and issued before declining existed (the migration after 0019).
DECLINING = r"""
import asyncio
from tortoise import connections
from tortoise.migrations.api.migrate import migrate
from models.db import close_database, open_database, tortoise_config

async def main() -> None:
    await migrate(config=tortoise_config(), target="models.0019_notifications")
    await close_database()
    await open_database()
    db = connections.get("default")
    await db.execute_script(
        "INSERT INTO district (code, name, name_en, population, center_lat, center_lng) "
        "VALUES ('huicheng', '惠城区', 'Huicheng', 1000, 23.1, 114.4)"
    )
    [district] = await db.execute_query_dict("SELECT id FROM district ORDER BY id LIMIT 1")
    await db.execute_script(
        "INSERT INTO volunteer (real_name, phone, id_number, id_number_hash, gender, "
        "district_id, skills, availability, registered_at, status, total_hours, updated_at, "
        f"volunteer_number) VALUES ('old', '13800138000', 'id', 'hash', 'MALE', {district['id']}, "
        "'', '', '2020-01-01 00:00:00+00:00', 'ACTIVE', 0, '2020-01-01 00:00:00+00:00', "
        "'44130000000000000001')"
    )
    await db.execute_script(
        "INSERT INTO organization (name, category, verified, description, contact_name, "
        f"contact_phone, created_at, district_id) VALUES ('Old org', 'COMMUNITY', TRUE, '', "
        f"'Wang', '07522000000', '2020-01-01 00:00:00+00:00', {district['id']})"
    )
    for status in ("REQUESTED", "ISSUED"):
        await db.execute_script(
            "INSERT INTO certificate (period_start, period_end, status, requested_at, on_behalf, "
            "volunteer_name, id_type, id_number_masked, volunteer_number, services, "
            "organization_name, person_in_charge, handler, contact, revocation_reason, "
            f"organization_id, volunteer_id) VALUES ('2025-01-01', '2025-12-31', '{status}', "
            "'2026-01-01 00:00:00+00:00', FALSE, '', '', '', '', '[]', '', '', '', '', '', "
            "(SELECT id FROM organization), (SELECT id FROM volunteer))"
        )
    await close_database()
    await migrate(config=tortoise_config())
    await close_database()
    await open_database()
    db = connections.get("default")
    rows = await db.execute_query_dict(
        "SELECT status, declined_at, declined_by_id, decline_reason FROM certificate ORDER BY id"
    )
    print([tuple(r.values()) for r in rows])
    await close_database()

asyncio.run(main())
"""


def _run(url: str, root: Path, script: str = SCRIPT) -> str:
    environment = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


async def test_older_volunteers_get_unique_numbers(
    backend: Backend, repo_root: Path, tmp_path: Path
) -> None:
    if not backend.is_postgres:
        out = await asyncio.to_thread(_run, f"sqlite://{tmp_path / 'old.sqlite3'}", repo_root)
        assert out.strip() == "unique"
        return
    server = DatabaseServer(backend.settings.database_url)
    name = f"vc_mig_{uuid.uuid4().hex[:10]}"
    await server.create(name)
    try:
        out = await asyncio.to_thread(_run, server.url_for(name), repo_root)
    finally:
        await server.drop(name)
    assert out.strip() == "unique"


async def test_certificates_of_before_declining_migrate_unchanged(
    backend: Backend, repo_root: Path, tmp_path: Path
) -> None:
    expected = "[('REQUESTED', None, None, None), ('ISSUED', None, None, None)]"
    if not backend.is_postgres:
        url = f"sqlite://{tmp_path / 'old.sqlite3'}"
        out = await asyncio.to_thread(_run, url, repo_root, DECLINING)
        assert out.strip() == expected
        return
    server = DatabaseServer(backend.settings.database_url)
    name = f"vc_mig_{uuid.uuid4().hex[:10]}"
    await server.create(name)
    try:
        out = await asyncio.to_thread(_run, server.url_for(name), repo_root, DECLINING)
    finally:
        await server.drop(name)
    assert out.strip() == expected
