"""The Starlette application: one lifespan owns every connection."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.audit import audit_log_csv
from api.auth import BearerAuthMiddleware
from api.calendar import activity_calendar, my_calendar
from api.certificates import certificate_pdf, verify_page
from api.exports import export
from api.graphql import GraphQLApp
from api.media import media
from api.observability.health import healthz, readyz
from api.observability.logs import RequestIdMiddleware
from api.observability.metrics import MetricsMiddleware, metrics
from api.open311.routes import app as open311
from api.ratelimit import RateLimiter, UploadBudget
from api.wall import district_outlines, wall_page
from models.db import close_database, open_database
from schema.root import build_schema
from services.dispatch.escalation import sweep
from services.notifications.worker import NotificationWorker
from services.webhooks import backlog as webhook_backlog
from services.webhooks.worker import WebhookWorker
from settings import Settings, get_settings
from subscriptions.bus import Bus
from subscriptions.hub import EventHub
from subscriptions.metrics import register_backlog_probe

log = logging.getLogger("volunteer_city.app")
STATIC_DIR = Path(__file__).with_name("static")


async def _sweep_forever(every: float) -> None:
    """Escalation and expiry; every process runs it, the moves are conditional so none doubles."""
    while True:
        await asyncio.sleep(every)
        try:
            await sweep()
        except Exception:
            log.exception("dispatch sweep failed; trying again next round")


def tune_garbage_collector() -> None:
    """Called once the process is up. Everything loaded so far (modules, the schema) is frozen
    out of the collector's sight, and the young generation is collected every 50,000
    allocations instead of 700: an event to 10,000 subscribers allocates a few hundred thousand
    short-lived objects, and the default thresholds made the collector walk the subscribers'
    millions of long-lived objects several times per event (up to half the delivery time in
    bench/fanout.py, and full collections of a second). Reference counting frees almost all
    of them anyway; only cycles wait longer."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    bus = Bus(settings.broadcast_url, channel_prefix=settings.bus_channel_prefix)
    hub = EventHub(bus, heartbeat_seconds=settings.hub_heartbeat_seconds)
    limiter = RateLimiter(settings)
    # Every process may send webhooks; leases make sure one at a time serves each webhook.
    webhooks = WebhookWorker.from_settings(settings) if settings.webhook_worker else None
    # Likewise notifications: leases and unique keys make each go out once per channel.
    notices = NotificationWorker.from_settings(settings) if settings.notification_worker else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        await bus.connect()
        await hub.start()
        sweeper = asyncio.create_task(_sweep_forever(settings.dispatch_sweep_seconds))
        if webhooks is not None:
            await webhooks.start()
        if notices is not None:
            await notices.start()
        register_backlog_probe("webhooks", webhook_backlog)
        tune_garbage_collector()
        log.info(
            "serving with database %s and bus %s",
            settings.database_url.split("://")[0],
            settings.broadcast_url.split("://")[0],
        )
        try:
            yield
        finally:
            if webhooks is not None:
                await webhooks.stop()
            if notices is not None:
                await notices.stop()
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            # Ends every live subscription stream, so WebSocket clients are closed cleanly.
            await hub.stop()
            await bus.disconnect()
            await close_database()

    graphql = GraphQLApp(
        build_schema(settings, budget=limiter),
        graphql_ide="graphiql",
        # Only the graphql-transport-ws protocol: the legacy graphql-ws one is deprecated
        # and has had security bugs of its own.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=10),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        allowed_origins=settings.allowed_origins,
        # Photos of civic issues; api/graphql.py refuses uploads without the CSRF header.
        multipart_uploads_enabled=True,
    )
    graphql.max_upload_bytes = 3 * settings.max_photo_bytes + 1024 * 1024
    graphql.upload_budget = UploadBudget(settings, limiter)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/media/{key:path}", media, methods=["GET", "HEAD"]),
            # Open311 GeoReport v2 for third-party civic apps.
            Mount("/open311/v2", app=open311),
            Route("/metrics", metrics),
            # Before the national exports' pattern, which would take it for a dataset.
            Route("/exports/audit-log.csv", audit_log_csv),
            Route("/exports/{dataset}.{format}", export),
            Route("/certificates/{id}.pdf", certificate_pdf),
            Route("/verify/{code}", verify_page),
            Route("/wall/districts.geojson", district_outlines),
            Route("/wall/{center}", wall_page),
            Route("/calendar/activities/{activity}.ics", activity_calendar),
            Route("/calendar/me/{token}.ics", my_calendar),
            # GraphiQL's vendored assets; ETag and Last-Modified make revalidation a 304.
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            # Outermost first: every line logged for a request, a 401 included, has its id.
            Middleware(RequestIdMiddleware),
            Middleware(MetricsMiddleware),
            Middleware(BearerAuthMiddleware),
        ],
        lifespan=lifespan,
    )
    app.state.bus = bus
    app.state.hub = hub
    app.state.settings = settings
    return app
