"""Fan-out over real WebSockets: the server is `volunteer-city serve` (uvicorn, as production
runs it) in a process of its own; N graphql-transport-ws clients (the `websockets` library, on
uvloop) run in this process; the event is an `assignOrder` mutation sent over HTTP. The clock
runs from sending the mutation until the last client has read its `next` message, so it holds
the HTTP request, the commit, the hub, the shared execution, uvicorn's framing (compressed only
if the server accepts permessage-deflate, which the clients offer as browsers do), TCP over
loopback and the clients' own reading. The clients share the machine's second core with
whatever else runs on it.

Each connection first receives a warm-up event: that proves every subscription live (the server
has no "subscribers ready" signal) before anything is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from strawberry import relay
from websockets.asyncio.client import ClientConnection, connect

from bench.fanout import WALL, World, check_payload
from subscriptions import events

ASSIGN = """mutation Assign($order: ID!, $volunteer: ID!) {
  assignOrder(input: {order: $order, volunteers: [$volunteer]}) { errors { code } }
}"""
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Client:
    connection: ClientConnection
    reader: asyncio.Task[None] | None = None
    arrived: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Round:
    expected: int
    done: asyncio.Event = field(default_factory=asyncio.Event)
    count: int = 0
    failure: Exception | None = None

    async def wait(self, within: float) -> None:
        await asyncio.wait_for(self.done.wait(), within)
        if self.failure is not None:
            raise RuntimeError(f"a client failed: {self.failure!r}") from self.failure

    def arrive(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


@dataclass
class WsRun:
    subscribers: int
    compression: str
    totals_ms: list[float]
    first_ms: list[float]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`volunteer-city serve` on a free port, on the benchmark's database."""

    def __init__(self, database_url: str, port: int, log: Path, deflate: bool) -> None:
        self.port = port
        self.log = log
        env = dict(os.environ, DATABASE_URL=database_url, BROADCAST_URL="memory://")
        env.update(ENVIRONMENT="development", PYTHONUNBUFFERED="1")
        env["WS_PER_MESSAGE_DEFLATE"] = "1" if deflate else "0"
        # One wall-screen account holds every subscription here: without this, its cost budget
        # (RATE_LIMIT_USER per window) refuses the thousands of subscriptions it starts.
        env["RATE_LIMIT_USER"] = "0"
        command = [sys.executable, "-c", "from api.cli import app; app()", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    async def ready(self) -> None:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


async def subscribe(url: str, world: World, n: int, after: str) -> Client:
    # Offering permessage-deflate, as browsers do; the server decides (WS_PER_MESSAGE_DEFLATE).
    connection = await connect(
        url, subprotocols=["graphql-transport-ws"], compression="deflate", open_timeout=60
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"token": world.token}})
    )
    ack = await asyncio.wait_for(connection.recv(), 60)
    if '"connection_ack"' not in str(ack):
        raise RuntimeError(f"connection {n} refused: {ack!r}")
    center = str(relay.GlobalID("DispatchCenter", str(world.center)))
    # From the log's end as it was before any client connected: the warm-up event reaches a
    # subscription that the server has not finished starting, too.
    subscription = {"query": WALL, "variables": {"center": center, "after": after}}
    await connection.send(
        json.dumps({"id": f"wall-{n}", "type": "subscribe", "payload": subscription})
    )
    return Client(connection)


async def read(client: Client, rounds: list[Round]) -> None:
    try:
        async for message in client.connection:
            text = message if isinstance(message, str) else message.decode()
            if '"type":"next"' not in text or '"errors":' in text:
                raise RuntimeError(f"subscription failed: {text[:300]}")
            client.arrived.append((time.perf_counter(), text))
            rounds[-1].arrive()
        raise RuntimeError(f"connection closed: {client.connection.close_code}")
    except Exception as exc:
        # Said at once, rather than as a round that never completes.
        rounds[-1].failure = exc
        rounds[-1].done.set()
        raise


async def assign(http: httpx.AsyncClient, world: World, order_id: int) -> None:
    variables = {
        "order": str(relay.GlobalID("ServiceOrder", str(order_id))),
        "volunteer": str(relay.GlobalID("Volunteer", str(world.volunteer_id))),
    }
    response = await http.post(
        "/graphql",
        json={"query": ASSIGN, "variables": variables},
        headers={"Authorization": f"Bearer {world.dispatcher_token}"},
    )
    errors = response.json()["data"]["assignOrder"]["errors"]
    if errors:
        raise RuntimeError(f"assignment refused: {errors}")


async def measure_ws(
    database_url: str, world: World, subscribers: int, rounds: int, deflate: bool, log: Path
) -> WsRun:
    port = free_port()
    server = Server(database_url, port, log, deflate)
    clients: list[Client] = []
    try:
        await server.ready()
        url = f"ws://127.0.0.1:{port}/graphql"
        after = events.encode_cursor(await events.latest_id())
        for batch in range(0, subscribers, 200):
            clients += await asyncio.gather(
                *(
                    subscribe(url, world, n, after)
                    for n in range(batch, min(subscribers, batch + 200))
                )
            )
        plan = [Round(subscribers)]
        for client in clients:
            client.reader = asyncio.create_task(read(client, plan))
        totals, firsts = [], []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            # The warm-up event: every subscription is live once each client has it.
            await assign(http, world, world.orders.pop())
            await plan[-1].wait(300)
            for _ in range(rounds):
                await asyncio.sleep(0.5)
                plan.append(Round(subscribers))
                order_id = world.orders.pop()
                began = time.perf_counter()
                await assign(http, world, order_id)
                await plan[-1].wait(120)
                last = [client.arrived[-1] for client in clients]
                totals.append((max(t for t, _ in last) - began) * 1000)
                firsts.append((min(t for t, _ in last) - began) * 1000)
                check_payload(last[-1][1], order_id)
                if len({text.split('"payload":', 1)[1] for _, text in last[:50]}) != 1:
                    raise RuntimeError("subscribers of one audience saw different payloads")
        return WsRun(subscribers, "on" if deflate else "off", totals, firsts)
    finally:
        for client in clients:
            if client.reader is not None:
                client.reader.cancel()
        await asyncio.gather(
            *(c.connection.close() for c in clients),
            *(c.reader for c in clients if c.reader),
            return_exceptions=True,
        )
        server.stop()
