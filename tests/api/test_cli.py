"""The `volunteer-city` command line, run as a user runs it: in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.accounts import ApiClient, User
from services import accounts
from tests.conftest import Backend

CLI = [sys.executable, "-m", "api.cli"]


def _run(
    backend: Backend, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
    }
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


async def test_create_user_with_roles_then_sign_in(backend: Backend) -> None:
    done = _run(
        backend,
        "create-user",
        "desk.li",
        "--role",
        "DISPATCHER",
        "--role",
        "WALL_DISPLAY",
        "--password",
        "wall-screen-2026",
    )
    assert done.returncode == 0, done.stderr
    user = await User.get(username="desk.li")
    assert user.roles == ["DISPATCHER", "WALL_DISPLAY"]
    assert (await accounts.login("desk.li", "wall-screen-2026")).user.id == user.id


async def test_create_user_reports_a_weak_password_and_creates_nothing(backend: Backend) -> None:
    done = _run(backend, "create-user", "desk.li", "--role", "DISPATCHER", "--password", "123")
    assert done.returncode == 1
    assert "WEAK_PASSWORD" in done.stdout
    assert not await User.exists(username="desk.li")


async def test_create_api_client_prints_a_working_key_once(backend: Backend) -> None:
    done = _run(backend, "create-api-client", "national cloud", "--scope", "read")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    principal = await accounts.authenticate(key)
    assert principal is not None and principal.scopes == frozenset({"read"})
    assert key not in (await ApiClient.get()).key_hash


async def test_unknown_scale_is_refused(backend: Backend) -> None:
    done = _run(backend, "seed", "--scale", "province")
    assert done.returncode != 0
    assert "choose one of: demo, city" in done.stdout + done.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY"])
def test_production_refuses_the_default_secret(variable: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != variable}
    env.update(ENVIRONMENT="production", DATABASE_URL=f"sqlite://{tmp_path}/x.sqlite3")
    done = subprocess.run([*CLI, "migrate"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert "configuration error: SECRET_KEY must be set in production" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_schema_writes_the_sdl(tmp_path: Path, repo_root: Path) -> None:
    target = tmp_path / "schema.graphql"
    done = subprocess.run(
        [*CLI, "export-schema", "--output", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo_root,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == (repo_root / "schema.graphql").read_text(
        encoding="utf-8"
    )
