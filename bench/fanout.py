"""Subscription fan-out: N wall screens on one process, one event, time until the last has it.

    python -m bench.fanout [--subscribers 1000,10000] [--baseline 1000] [--rounds 3]
                           [--ws 1000,10000] [--ws-deflate off,on]

In memory (first table): every subscriber is a graphql-transport-ws connection of its own to
the real ASGI view — Starlette's WebSocket, strawberry's view, our handler (api/websocket.py),
the schema and the hub — over in-memory ASGI receive/send instead of uvicorn and TCP. The event
is a dispatcher assigning an order through the service (commit, event log, bus, hub, shared
execution), and the clock runs from just before that call until the server hands the last
subscriber's `next` frame to the ASGI send. SQLite in a temporary directory and the memory bus.

The baseline is the same with plain strawberry's per-subscriber path: its own
graphql-transport-ws handler and extension runner, fresh loaders, its own database reads and its
own execution for every subscriber, measured in the same run.

Over real WebSockets (second table, bench/fanout_ws.py): `volunteer-city serve` in its own
process, real clients in this one, the mutation over HTTP, until the last client has read it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from strawberry import relay

if TYPE_CHECKING:
    from bench.fanout_ws import WsRun

WALL = """subscription Wall($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor occurredAt note
    ... on DispatchEvent {
      type status
      order {
        id status category urgency description address windowStart windowEnd volunteersNeeded
        district { name } dispatchCenter { name }
        assignments { status volunteer { realName phone starLevel personalDataVisible } }
      }
    }
  }
}"""


@dataclass
class Arrivals:
    """When each subscriber's `next` message left the server, and a sample of what it said."""

    expected: int
    times: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    payloads: set[str] = field(default_factory=set)
    sample: str = ""

    def arrive(self, text: str) -> None:
        self.times.append(time.perf_counter())
        if len(self.payloads) < 4:
            self.payloads.add(text.split('"payload":', 1)[1])
            self.sample = text
        if len(self.times) >= self.expected:
            self.done.set()


class MemoryClient:
    """A WebSocket client of the ASGI app, in memory: the app's side is real (Starlette's
    WebSocket, strawberry's view, our handler); only uvicorn and TCP are left out."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.to_app: asyncio.Queue[dict[str, object]] = asyncio.Queue()
        self.acked = asyncio.Event()
        self.arrivals = arrivals
        self.closed: object = None

    async def receive(self) -> dict[str, object]:
        return await self.to_app.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            text = message["text"]
            # As cheap as a client can tell: what it does counts in the measured time here.
            if '"type":"next"' in text:
                self.arrivals.arrive(text)
            elif '"type":"connection_ack"' in text:
                self.acked.set()
            else:
                raise RuntimeError(f"subscription ended: {text[:300]}")
        elif message["type"] == "websocket.close":
            self.closed = message
            self.acked.set()

    def say(self, message: dict[str, object]) -> None:
        self.to_app.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})


@dataclass
class World:
    token: str
    center: int
    dispatcher: Any
    dispatcher_token: str
    volunteer_id: int
    orders: list[int]


async def build_world(events: int) -> World:
    from models.accounts import Role
    from models.dispatch import CenterCoverage, CenterLevel, DispatchCenter, ServiceCategory
    from models.geography import District
    from services import accounts, volunteers
    from services.common.identity import make_id_number
    from services.dispatch import orders
    from services.geography import ensure_reference_data

    await ensure_reference_data()
    huicheng = await District.get(code="HUICHENG")
    city = await DispatchCenter.create(name="惠州市志愿服务调度中心", level=CenterLevel.CITY)
    center = await DispatchCenter.create(
        name="惠城区调度中心", level=CenterLevel.DISTRICT, parent=city
    )
    await CenterCoverage.create(center=center, district=huicheng)
    password = "correct-horse-9"  # noqa: S105 - a throwaway database's accounts
    wall_user = await accounts.create_user("wall", password, "Wall", [Role.WALL_DISPLAY])
    dispatcher = await accounts.create_user("dispatcher", password, "D", [Role.DISPATCHER])
    resident = await accounts.create_user("resident", password, "R", [Role.RESIDENT])
    volunteer_user = await accounts.create_user("volunteer", password, "V")
    volunteer = await volunteers.register(
        accounts.principal_for(volunteer_user),
        volunteers.Registration(
            real_name="陈志愿",
            id_number=make_id_number("441302", datetime(1990, 5, 17).date(), 1),
            phone="13800138000",
            district_id=huicheng.id,
        ),
    )
    ids = []
    for i in range(events):
        start = datetime.now(UTC) + timedelta(hours=2 + 3 * i)
        order = await orders.submit(
            accounts.principal_for(resident),
            orders.NewOrder(
                category=ServiceCategory.ELDERLY_CARE,
                description="Accompany an elderly neighbour to the clinic",
                address="惠城区江北文昌一路 8 号",
                lat=23.0837,
                lng=114.3828,
                district_id=huicheng.id,
                window_start=start,
                window_end=start + timedelta(hours=1),
            ),
        )
        ids.append(order.id)
    token = (await accounts.login(wall_user.username, password)).access_token
    dispatcher_token = (await accounts.login(dispatcher.username, password)).access_token
    return World(
        token, center.id, accounts.principal_for(dispatcher), dispatcher_token, volunteer.id, ids
    )


class StatementCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def until(condition: Callable[[], bool], within: float = 300) -> None:
    """Polls: the hub has no event for "this many subscribers are live"."""
    deadline = time.perf_counter() + within
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the subscribers did not settle")
        await asyncio.sleep(0.05)


@dataclass
class Run:
    mode: str
    subscribers: int
    totals_ms: list[float]
    first_ms: list[float]
    statements: list[int]
    distinct_payloads: list[int]

    @property
    def total_ms(self) -> float:
        return statistics.median(self.totals_ms)

    @property
    def per_subscriber_us(self) -> float:
        return self.total_ms * 1000 / self.subscribers


def websocket_scope(n: int, hub: Any) -> dict[str, Any]:
    """What uvicorn hands the app for a graphql-transport-ws upgrade of /graphql."""
    return {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 10_000 + n),
        "server": ("127.0.0.1", 8000),
        "state": {},
        # Read by GraphQLApp.get_context as request.app.state.hub.
        "app": SimpleNamespace(state=SimpleNamespace(hub=hub)),
        "extensions": {},
    }


def graphql_view(mode: str) -> Any:
    """Our GraphQL view (as api/app.py builds it); `plain` runs strawberry's own per-subscriber
    path: its graphql-transport-ws handler, its extension runner, an execution per subscriber."""
    from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
        BaseGraphQLTransportWSHandler,
    )

    from api.graphql import GraphQLApp
    from schema.root import build_schema
    from settings import get_settings

    view = GraphQLApp(
        build_schema(get_settings(), fanout=mode == "shared"),
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=60),
        max_subscriptions_per_connection=10,
    )
    if mode == "plain":
        view.graphql_transport_ws_handler_class = BaseGraphQLTransportWSHandler
    return view


async def measure(
    mode: str, subscribers: int, rounds: int, world: World, hub: Any, gc_off: bool = False
) -> Run:
    from services.dispatch import assignments

    view = graphql_view(mode)
    arrivals = Arrivals(subscribers)
    clients: list[MemoryClient] = []
    connections: list[asyncio.Task[None]] = []
    center = str(relay.GlobalID("DispatchCenter", str(world.center)))

    async def connect(n: int) -> None:
        client = MemoryClient(arrivals)
        clients.append(client)
        client.to_app.put_nowait({"type": "websocket.connect"})
        connections.append(
            asyncio.create_task(view(websocket_scope(n, hub), client.receive, client.send))
        )
        client.say({"type": "connection_init", "payload": {"token": world.token}})
        await asyncio.wait_for(client.acked.wait(), 60)
        if client.closed:
            raise RuntimeError(f"connection {n} refused: {client.closed}")
        subscribe = {"query": WALL, "variables": {"center": center}}
        client.say({"id": f"wall-{n}", "type": "subscribe", "payload": subscribe})

    start = hub.subscriber_count()
    for batch in range(0, subscribers, 250):
        await asyncio.gather(*(connect(n) for n in range(batch, min(subscribers, batch + 250))))
    # Every subscription past its start-up replay from the log: fed by the hub alone.
    await until(lambda: hub.subscriber_count(live=True) - start >= subscribers)
    print("    all live", file=sys.stderr)

    totals, firsts, statements, distinct = [], [], [], []
    counter = StatementCount()
    db_log = logging.getLogger("tortoise.db_client")
    for _ in range(rounds):
        order_id = world.orders.pop()
        arrivals.times.clear()
        arrivals.payloads.clear()
        arrivals.done.clear()
        counter.count = 0
        db_log.addHandler(counter)
        db_log.setLevel(logging.DEBUG)
        db_log.propagate = False
        if gc_off:
            gc.disable()
        began = time.perf_counter()
        await assignments.assign(world.dispatcher, order_id, [world.volunteer_id])
        try:
            await asyncio.wait_for(arrivals.done.wait(), 120)
        except TimeoutError:
            raise RuntimeError(f"only {len(arrivals.times)} of {subscribers} got it") from None
        gc.enable()
        db_log.removeHandler(counter)
        db_log.setLevel(logging.WARNING)
        check_payload(arrivals.sample, order_id)
        totals.append((max(arrivals.times) - began) * 1000)
        firsts.append((min(arrivals.times) - began) * 1000)
        statements.append(counter.count)
        distinct.append(len(arrivals.payloads))
        # Let the stragglers' bookkeeping settle before the next event.
        await asyncio.sleep(0.05)

    for client in clients:
        client.to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.gather(*connections, return_exceptions=True)
    await until(lambda: hub.subscriber_count() <= start)
    return Run(mode, subscribers, totals, firsts, statements, distinct)


def check_payload(frame: str, order_id: int) -> None:
    """The event that arrived is the assignment of the order, with its volunteer unmasked
    only as far as a wall screen may see."""
    event = json.loads(frame)["payload"]["data"]["dispatchFeed"]
    order = event["order"]
    assigned = order["assignments"][0]["volunteer"]
    if event["type"] != "ORDER_ASSIGNED" or order["id"] != str(
        relay.GlobalID("ServiceOrder", str(order_id))
    ):
        raise RuntimeError(f"unexpected event: {frame[:300]}")
    if assigned["personalDataVisible"] or "*" not in assigned["phone"]:
        raise RuntimeError(f"a wall screen saw personal data: {assigned}")


async def main(args: argparse.Namespace) -> int:
    from api.app import tune_garbage_collector
    from models.db import apply_migrations, close_database, open_database
    from settings import Settings
    from subscriptions.bus import Bus
    from subscriptions.hub import EventHub

    with tempfile.TemporaryDirectory(prefix="vc-bench-fanout-") as tmp:
        database_url = args.database_url or f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        settings = Settings().replace(database_url=database_url, broadcast_url="memory://")
        os.environ["DATABASE_URL"] = settings.database_url
        os.environ["BROADCAST_URL"] = settings.broadcast_url
        await apply_migrations(settings)
        await open_database(settings)
        bus = Bus(settings.broadcast_url, channel_prefix="bench-fanout")
        await bus.connect()
        hub = EventHub(bus)
        await hub.start()
        # What the server's lifespan does once it is up.
        tune_garbage_collector()
        ws_plan = [(n, deflate) for n in args.ws for deflate in args.ws_deflate]
        try:
            plan = [("plain", args.baseline)] + [("shared", n) for n in args.subscribers]
            world = await build_world(args.rounds * len(plan) + (args.rounds + 1) * len(ws_plan))
            runs = []
            for mode, n in plan:
                print(f"  {mode:6} {n:>6} subscribers ...", file=sys.stderr, flush=True)
                runs.append(await measure(mode, n, args.rounds, world, hub, args.gc_off))
        finally:
            await hub.stop()
            await bus.disconnect()
        from bench.fanout_ws import measure_ws

        ws_runs = []
        try:
            for n, deflate in ws_plan:
                print(f"  real WebSockets {n:>6} ...", file=sys.stderr, flush=True)
                log = Path(tmp) / "server.log"
                ws_runs.append(await measure_ws(database_url, world, n, args.rounds, deflate, log))
        finally:
            await close_database()
    report(runs, args, settings.database_url.split("://")[0])
    report_ws(ws_runs, runs[0], args)
    return 0


def report(runs: list[Run], args: argparse.Namespace, database: str) -> None:
    baseline = runs[0]
    loop = type(asyncio.get_event_loop_policy()).__module__.split(".")[0]
    print(
        f"\nSubscription fan-out: one event (a dispatcher assigns an order) to N wall screens, "
        f"each its own graphql-transport-ws connection; {database}, memory bus, {loop} loop, "
        f"{os.cpu_count()} CPUs, median of {args.rounds}"
        f"{', GC paused during delivery' if args.gc_off else ''}.\n"
    )
    header = (
        f"{'mode':<8}{'subscribers':>12}{'first ms':>10}{'last ms':>10}"
        f"{'µs/subscriber':>15}{'vs plain':>10}{'SQL':>7}{'results':>9}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        ratio = baseline.per_subscriber_us / run.per_subscriber_us
        print(
            f"{run.mode:<8}{run.subscribers:>12,}{statistics.median(run.first_ms):>10.1f}"
            f"{run.total_ms:>10.1f}{run.per_subscriber_us:>15.1f}{ratio:>9.1f}x"
            f"{statistics.median(run.statements):>7.0f}{max(run.distinct_payloads):>9}"
        )
    print(
        "\nlast ms: from the assignment call to the last subscriber's `next` message; SQL: "
        "statements in that time (the assignment's own included); results: distinct payloads "
        "seen (1 = everyone got the same)."
    )
    target = next((r for r in runs if r.mode == "shared" and r.subscribers == 10_000), None)
    if target is not None:
        verdict = "met" if target.total_ms < 1000 else "NOT met"
        print(f"Target (10,000 subscribers within 1 s): {verdict} ({target.total_ms:.0f} ms).")


def report_ws(runs: list[WsRun], baseline: Run, args: argparse.Namespace) -> None:
    if not runs:
        return
    print(
        "\nThe same over real WebSockets: `volunteer-city serve` (uvicorn) in its own process, "
        "the clients (`websockets`) in this one, the assignment made over HTTP; from sending "
        f"the mutation to the last client's `next`; median of {args.rounds} after a warm-up "
        "event.\n"
    )
    header = (
        f"{'deflate':<13}{'subscribers':>12}{'first ms':>10}{'last ms':>10}"
        f"{'µs/subscriber':>15}{'vs plain':>10}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        total = statistics.median(run.totals_ms)
        per = total * 1000 / run.subscribers
        print(
            f"{run.compression:<13}{run.subscribers:>12,}{statistics.median(run.first_ms):>10.1f}"
            f"{total:>10.1f}{per:>15.1f}{baseline.per_subscriber_us / per:>9.1f}x"
        )
    print(
        "\nvs plain: against the in-memory plain run above (strawberry's per-subscriber path "
        "without uvicorn and TCP, so the ratio understates the saving)."
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument(
        "--subscribers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1000, 10_000],
        help="comma-separated subscriber counts for the shared runs (default 1000,10000)",
    )
    parser.add_argument(
        "--baseline", type=int, default=1000, help="subscribers for the plain run (default 1000)"
    )
    parser.add_argument(
        "--ws",
        type=lambda text: [int(n) for n in text.split(",") if n],
        default=[1000, 10_000],
        help="subscriber counts for the real-WebSocket runs (default 1000,10000; '' for none)",
    )
    parser.add_argument(
        "--ws-deflate",
        type=lambda text: [{"off": False, "on": True}[t] for t in text.split(",")],
        default=[False],
        help="the server's WS_PER_MESSAGE_DEFLATE in the real-WebSocket runs: off (the "
        "default setting), on, or off,on",
    )
    parser.add_argument("--rounds", type=int, default=1, help="events per run (median shown)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--no-uvloop", action="store_true", help="use asyncio's own loop")
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="pause the cyclic garbage collector while an event is delivered (what GC costs)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    logging.basicConfig(level=logging.WARNING)
    if not arguments.no_uvloop:
        try:
            import uvloop  # uvicorn serves on uvloop when it is installed, as it is here

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
    sys.exit(asyncio.run(main(arguments)))
