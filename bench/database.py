"""A scratch database for one benchmark run: an SQLite file in a temporary directory, or a
fresh database on the PostgreSQL server of `--database-url`, dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _admin(url: str) -> asyncpg.Connection:
    dsn = _with_database(url, "postgres").replace("postgres://", "postgresql://", 1)
    return await asyncpg.connect(dsn, timeout=10)


@asynccontextmanager
async def scratch_database(server_url: str | None) -> AsyncIterator[str]:
    """Yields a DATABASE_URL for an empty database that exists only during the block."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="vc-bench-") as directory:
            yield f"sqlite://{Path(directory) / 'bench.sqlite3'}"
        return
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must be a postgres:// URL (SQLite is the default)")
    name = f"vc_bench_{uuid.uuid4().hex[:10]}"
    connection = await _admin(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield _with_database(server_url, name)
    finally:
        connection = await _admin(server_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()
