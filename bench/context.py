"""What a request's context costs: the trivial query with a context built per request, as the
server does, against the same query reusing one context (no per-request building at all).

    python -m bench.context [--requests 20000] [--rounds 5]

No database: `{ __typename }` reads nothing. Each request's context comes from the real path,
`GraphQLApp.get_context` on a Starlette request, and the query runs through `schema.execute`
with every extension of `build_schema`. A ratio near 1.00 means building a context costs next
to nothing next to executing the query; the DataLoaders are created only when a resolver asks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from rich.console import Console
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from api.graphql import GraphQLApp
from schema.core.context import Context
from schema.root import build_schema

TRIVIAL = "query Trivial { __typename }"
ContextFor = Callable[[], Awaitable[Context]]


def _request() -> Request:
    return Request({"type": "http", "app": Starlette(), "method": "POST", "headers": []})


async def _trivial(view: GraphQLApp, context_for: ContextFor, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        result = await view.schema.execute(TRIVIAL, context_value=await context_for())
        assert result.errors is None, result.errors
    return (time.perf_counter() - started) / requests


async def _context_only(view: GraphQLApp, request: Request, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await view.get_context(request, Response())
    return (time.perf_counter() - started) / requests


async def _run(requests: int, rounds: int) -> None:
    view = GraphQLApp(build_schema())
    request = _request()
    reused = await view.get_context(request, Response())

    def per_request() -> Awaitable[Context]:
        return view.get_context(request, Response())

    async def the_same() -> Context:
        return reused

    cases: list[float] = []
    baseline: list[float] = []
    contexts: list[float] = []
    await _trivial(view, per_request, requests // 10)
    # Alternating, so that load from other processes hits both alike.
    for index in range(rounds):
        if index % 2:
            baseline.append(await _trivial(view, the_same, requests))
            cases.append(await _trivial(view, per_request, requests))
        else:
            cases.append(await _trivial(view, per_request, requests))
            baseline.append(await _trivial(view, the_same, requests))
        contexts.append(await _context_only(view, request, requests))
    case, base = statistics.median(cases), statistics.median(baseline)
    console = Console()
    console.print(f"{{ __typename }}, a context per request  {case * 1e6:8.1f} µs")
    console.print(f"{{ __typename }}, one context reused      {base * 1e6:8.1f} µs")
    console.print(f"ratio per request / reused              {case / base:8.2f}")
    context_only = statistics.median(contexts)
    console.print(f"get_context alone                       {context_only * 1e6:8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.context", description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (median)")
    arguments = parser.parse_args()
    asyncio.run(_run(arguments.requests, arguments.rounds))


if __name__ == "__main__":
    main()
