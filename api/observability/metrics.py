"""`GET /metrics` in Prometheus' text format, and the HTTP and WebSocket metrics behind it.

Each process keeps its own figures and is scraped on its own (one target per process, see the
README); nothing is shared between processes, so no multiprocess directory to manage and no
figures that outlive a crashed worker. The metrics of the layers below are declared where they
are measured (schema/core/metrics.py, subscriptions/metrics.py) and all land in prometheus_client's
default registry. Gauges that are cheap to read when asked (subscriptions, database pool,
backlogs) are read at scrape time.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import connections

from subscriptions.metrics import read_backlogs

# The `_created` series double every counter's lines and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "vc_http_requests", "HTTP requests by route, method and status.", ["route", "method", "status"]
)
HTTP_DURATION = Histogram(
    "vc_http_request_duration_seconds",
    "Time to the end of the response, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
WEBSOCKETS = Gauge("vc_websocket_connections", "Open WebSocket connections.")
SUBSCRIPTIONS = Gauge(
    "vc_subscriptions_active", "Subscriptions attached to this process's event hub."
)
DB_POOL = Gauge(
    "vc_db_pool_connections",
    "Database pool connections by state (in_use, idle, max); PostgreSQL only.",
    ["state"],
)
BACKLOG = Gauge("vc_backlog", "Items waiting in a registered queue (e.g. webhooks).", ["queue"])


def _route_of(scope: Scope) -> str:
    """The route's template (`/exports/{dataset}.{format}`), never the raw path: a label per
    distinct URL would grow without bound."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                WEBSOCKETS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _route_of(scope)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
            HTTP_DURATION.labels(route).observe(time.perf_counter() - started)


def _pool_usage() -> dict[str, int]:
    pool: Any = getattr(connections.get("default"), "_pool", None)
    if pool is None or not hasattr(pool, "get_size"):
        return {}
    size, idle = pool.get_size(), pool.get_idle_size()
    return {"in_use": size - idle, "idle": idle, "max": pool.get_max_size()}


def _allowed(request: Request) -> bool:
    networks = request.app.state.settings.metrics_allowed_networks
    host = request.client.host if request.client else None
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


async def metrics(request: Request) -> Response:
    """Only from METRICS_ALLOWED_NETWORKS (the private ranges by default): the figures name
    operations and volumes that are nobody else's business."""
    if not _allowed(request):
        return JSONResponse(
            {"errors": [{"message": "Not from here.", "extensions": {"code": "NOT_PERMITTED"}}]},
            status_code=403,
        )
    hub = getattr(request.app.state, "hub", None)
    if hub is not None:
        SUBSCRIPTIONS.set(hub.subscriber_count())
    for state, value in _pool_usage().items():
        DB_POOL.labels(state).set(value)
    for queue, length in (await read_backlogs()).items():
        BACKLOG.labels(queue).set(length)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
