"""From an empty production database to a served order, without the demo seed, the way the
README's "Putting it into service" tells a city to do it: the CLI migrates, bootstraps, creates
the administrator and the dispatcher and imports the registry (bad rows reported); then, over
HTTP against the real server, a resident signs up and submits an order and a dispatcher assigns
it to an imported volunteer. On both database pairs."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Backend
from tests.imports.files import VOLUNTEER_HEADER, read_csv, write_csv
from tests.imports.test_imports import _with_bad_rows
from tests.server import REPO_ROOT, ServerProcess
from tests.support import DatabaseServer
from tests.ws_client import authenticated

pytestmark = pytest.mark.server

PASSWORD = "a-city-admin-9"
SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token errors { code } }
}"""
LOGIN = """mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token errors { code } }
}"""
SUBMIT = """mutation Submit($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id status district { name } } errors { code field } }
}"""
FIND = """query Find($name: String!) {
  volunteers(filter: {search: $name}, first: 1) { edges { node { id realName } } }
}"""
ASSIGN = """mutation Assign($input: AssignOrderInput!) {
  assignOrder(input: $input) { order { id status } errors { code } }
}"""
JOB = """query Job($id: ID!) {
  importJob(id: $id) { status rowsAdded rowsPresent rowsRefused }
}"""
START = """mutation Start($input: StartImportInput!) {
  startImport(input: $input) { importJob { id } errors { code } }
}"""


@pytest.fixture
async def empty_database(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, with no table in it yet."""
    if not backend.is_postgres:
        yield f"sqlite://{tmp_path / 'production.sqlite3'}"
        return
    server = DatabaseServer(os.environ["TEST_DATABASE_URL"])
    name = f"vc_prod_{uuid.uuid4().hex[:10]}"
    await server.create(name)
    try:
        yield server.url_for(name)
    finally:
        await server.drop(name)


def _production_env(backend: Backend, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_hex(32),
        PUBLIC_BASE_URL="https://volunteer.huizhou.example",
        DATABASE_URL=database_url,
        BROADCAST_URL=backend.settings.broadcast_url,
        BUS_CHANNEL_PREFIX=f"vc-prod-{uuid.uuid4().hex[:8]}",
        PYTHONUNBUFFERED="1",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import app; app()", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _call(
    http: httpx.AsyncClient, url: str, document: str, variables: dict[str, Any], token: str = ""
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        url, json={"query": document, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _poll(http: httpx.AsyncClient, url: str, job_id: str, token: str) -> dict[str, Any]:
    for _ in range(100):
        body = await _call(http, url, JOB, {"id": job_id}, token)
        job: dict[str, Any] = body["data"]["importJob"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"import job {job_id} did not end")


async def test_from_an_empty_production_database_to_a_served_order(
    backend: Backend, empty_database: str, tmp_path: Path
) -> None:
    env = _production_env(backend, empty_database)
    assert _cli(env, "migrate").returncode == 0
    refused = _cli(env, "seed")
    assert refused.returncode != 0 and "production" in refused.stderr + refused.stdout
    bootstrap = _cli(env, "bootstrap")
    assert bootstrap.returncode == 0, bootstrap.stdout + bootstrap.stderr
    for user, role in (("ops", "ADMIN"), ("desk", "DISPATCHER")):
        made = _cli(env, "create-user", user, "--role", role, "--password", PASSWORD)
        assert made.returncode == 0, made.stdout + made.stderr
    registry = write_csv(tmp_path / "registry.csv", VOLUNTEER_HEADER, _with_bad_rows())
    dry = _cli(env, "import", "volunteers", str(registry), "--dry-run")
    assert dry.returncode == 1 and "would add 3" in dry.stdout, dry.stdout + dry.stderr
    report = tmp_path / "errors.csv"
    imported = _cli(env, "import", "volunteers", str(registry), "--report", str(report))
    assert imported.returncode == 1 and "added 3" in imported.stdout, imported.stdout
    assert [row["error_row"] for row in read_csv(report.read_text(encoding="utf-8"))] == [
        "5",
        "6",
        "7",
        "8",
    ]
    again = _cli(env, "import", "volunteers", str(registry))
    assert "added 0, 3 already present" in again.stdout, again.stdout

    settings = backend.settings.replace(database_url=empty_database)
    server = ServerProcess(
        settings, env={k: env[k] for k in ("ENVIRONMENT", "SECRET_KEY", "PUBLIC_BASE_URL")}
    )
    await server.astart()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            url = server.graphql_url
            signed_up = await _call(
                http, url, SIGN_UP, {"input": {"username": "grandson", "password": "long-pass-77"}}
            )
            resident = signed_up["data"]["signUp"]["token"]
            start = datetime.now(UTC) + timedelta(hours=2)
            order = {
                "category": "ELDERLY_CARE",
                "description": "Accompany grandma to the hospital",
                "address": "惠城区江北文昌一路 8 号",
                "location": {"lat": 23.0837, "lng": 114.3828},
                "windowStart": start.isoformat(),
                "windowEnd": (start + timedelta(hours=2)).isoformat(),
            }
            submitted = (await _call(http, url, SUBMIT, {"input": order}, resident))["data"]
            assert submitted["submitOrder"]["errors"] == [], submitted
            assert submitted["submitOrder"]["order"]["district"]["name"] == "惠城区"
            order_id = submitted["submitOrder"]["order"]["id"]

            login = await _call(http, url, LOGIN, {"username": "desk", "password": PASSWORD})
            desk = login["data"]["login"]["token"]
            found = (await _call(http, url, FIND, {"name": "陈志愿2"}, desk))["data"]
            volunteer = found["volunteers"]["edges"][0]["node"]["id"]
            assigned = await _call(
                http, url, ASSIGN, {"input": {"order": order_id, "volunteers": [volunteer]}}, desk
            )
            assert assigned["data"]["assignOrder"] == {
                "order": {"id": order_id, "status": "ASSIGNED"},
                "errors": [],
            }

            # The upload path over HTTP: a dispatcher is refused, as in the schema tests.
            operations = {
                "query": START,
                "variables": {"input": {"kind": "VOLUNTEERS", "file": None}},
            }
            upload = await http.post(
                url,
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.input.file"]}),
                },
                files=[("0", ("registry.csv", registry.read_bytes(), "text/csv"))],
                headers={"authorization": f"Bearer {desk}", "x-graphql-csrf": "1"},
            )
            assert upload.status_code == 200, upload.text
            assert upload.json()["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"
            # An administrator's upload of the same file starts a job that adds nothing new.
            login = await _call(http, url, LOGIN, {"username": "ops", "password": PASSWORD})
            ops = login["data"]["login"]["token"]
            upload = await http.post(
                url,
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.input.file"]}),
                },
                files=[("0", ("registry.csv", registry.read_bytes(), "text/csv"))],
                headers={"authorization": f"Bearer {ops}", "x-graphql-csrf": "1"},
            )
            job_id = upload.json()["data"]["startImport"]["importJob"]["id"]
            job = await _poll(http, url, job_id, ops)
            assert (job["rowsAdded"], job["rowsPresent"], job["rowsRefused"]) == (0, 3, 4)

            # The WebSocket path: a query there is checked like one over HTTP.
            async with authenticated(server.ws_url, desk) as ws:
                await ws.subscribe("1", JOB, {"id": job_id})
                refused = await ws.receive()
                assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"
            async with authenticated(server.ws_url, ops) as ws:
                await ws.subscribe("1", JOB, {"id": job_id})
                assert (await ws.next_data("1"))["importJob"]["status"] == "SUCCEEDED"
    finally:
        await server.astop()
        server.close()
