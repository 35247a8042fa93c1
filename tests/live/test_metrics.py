"""`/metrics`: scraped from the real server after a query, a mutation and a live subscription,
the counters and gauges have moved; backlog probes; who may scrape."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from subscriptions.metrics import register_backlog_probe, unregister_backlog_probe
from tests.conftest import Backend
from tests.live.test_dispatch import Api, a_city, cursor_now, feed, server_env, take
from tests.server import ServerProcess
from tests.ws_client import authenticated

DISTRICTS = "query Districts { districts { code } }"


def sample(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return None


async def scrape(http: httpx.AsyncClient, url: str) -> str:
    response = await http.get(f"{url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


@pytest.mark.server
async def test_a_scrape_after_a_query_a_mutation_and_a_subscription(backend: Backend) -> None:
    # given a server, and a wall screen subscribed to its dispatch centre's feed
    server = ServerProcess(backend.settings, env=server_env())
    city = await a_city()
    await server.astart()
    api = Api(server)
    try:
        tokens = await city.tokens(api)
        async with (
            httpx.AsyncClient(timeout=10) as http,
            authenticated(server.ws_url, tokens["wall"]) as ws,
        ):
            await feed(ws, city, await cursor_now())
            for _ in range(100):
                live = await scrape(http, server.url)
                if sample(live, "vc_subscriptions_active") == 1:
                    break
                await asyncio.sleep(0.05)

            # when a resident submits an order (an event the feed receives) and someone queries
            order = await api.submit(city, tokens["resident"])
            [event] = await take(ws, 1)
            await api.call(DISTRICTS, {})
            text = await scrape(http, server.url)
    finally:
        await server.astop()
        server.close()

    # then operations are counted by name, type and outcome, with their latency
    assert event["orderId"] == order
    ops = "vc_graphql_operations_total"
    assert sample(text, ops, operation="Districts", type="query", outcome="ok") == 1
    assert sample(text, ops, operation="Submit", type="mutation", outcome="ok") == 1
    assert sample(text, ops, operation="Login", type="mutation", outcome="ok") == 3
    assert sample(text, ops, operation="Feed", type="subscription", outcome="ok") == 1
    latency = "vc_graphql_operation_duration_seconds_count"
    assert sample(text, latency, operation="Districts", type="query") == 1
    # and HTTP requests by route, the open socket and its live subscription
    http_ok = sample(text, "vc_http_requests_total", route="/graphql", method="POST", status="200")
    assert http_ok is not None and http_ok >= 5
    assert sample(text, "vc_websocket_connections") == 1
    assert sample(live, "vc_subscriptions_active") == 1
    # and the event, published by this process and delivered to its subscriber
    assert sample(text, "vc_events_published_total", type="ORDER_SUBMITTED") == 1
    delivered = sample(text, "vc_events_delivered_total")
    assert delivered is not None and delivered >= 1
    # and the database pool, where there is one (PostgreSQL)
    if backend.is_postgres:
        assert sample(text, "vc_db_pool_connections", state="max") == 20
        in_use = sample(text, "vc_db_pool_connections", state="in_use")
        assert in_use is not None and in_use >= 0


async def test_registered_backlog_probes_are_read_at_each_scrape(backend: Backend) -> None:
    # given a queue of 7 (as webhook delivery registers its own) and a probe that fails
    pending = [7]

    async def count() -> int:
        return pending[0]

    async def broken() -> int:
        raise RuntimeError("table missing")

    register_backlog_probe("test-queue", count)
    register_backlog_probe("test-broken", broken)
    app = create_app(backend.settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app"
        ) as http:
            first = await scrape(http, "http://app")
            pending[0] = 2
            second = await scrape(http, "http://app")
    finally:
        unregister_backlog_probe("test-queue")
        unregister_backlog_probe("test-broken")

    # then the queue's length is current at each scrape, and the broken probe is left out
    assert sample(first, "vc_backlog", queue="test-queue") == 7
    assert sample(second, "vc_backlog", queue="test-queue") == 2
    assert sample(second, "vc_backlog", queue="test-broken") is None


async def test_only_the_allowed_networks_may_scrape(backend: Backend) -> None:
    app = create_app(backend.settings.replace(metrics_allowed_networks=("10.0.0.0/8",)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        response = await http.get("/metrics")

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"
