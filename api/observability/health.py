"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

log = logging.getLogger("volunteer_city.health")


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving; says nothing about its dependencies."""
    return JSONResponse({"status": "ok"})


async def _database_ok() -> bool:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), timeout=3)
        return True
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        log.warning("database not ready: %s", exc)
        return False


async def readyz(request: Request) -> JSONResponse:
    """Database and bus both answer: safe to send traffic here. 503 otherwise."""
    database, bus = await asyncio.gather(_database_ok(), request.app.state.bus.ping())
    ready = database and bus
    return JSONResponse(
        {
            "status": "ready" if ready else "unavailable",
            "database": "ok" if database else "unreachable",
            "bus": "ok" if bus else "unreachable",
        },
        status_code=200 if ready else 503,
    )
