"""Refusing and charging a request by its cost, before it runs: the `QueryCost` extension, and
the `Budget` a server gives it (api/ratelimit.py)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.core.context import Context
from schema.limits.cost import CostAnalysis


@dataclass(frozen=True)
class BudgetState:
    """Where a caller's cost budget stands after (or instead of) spending."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    window_seconds: int

    def report(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "windowSeconds": self.window_seconds,
            "resetAfter": math.ceil(self.reset_after),
        }


class Budget(Protocol):
    """Spends a request's cost from its caller's budget (api/ratelimit.py); `None` when the
    caller has no budget at all."""

    async def spend(self, context: Context, cost: int) -> BudgetState | None: ...

    async def peek(self, context: Context) -> BudgetState | None: ...


async def _consult(waiting: Awaitable[BudgetState | None]) -> BudgetState | None:
    """A budget's answer, unless the operation was cancelled meanwhile (a client completing
    a subscription as it starts): redis-py can swallow a cancellation that lands as its reply
    does, and the subscription would then run on, unknown to the connection."""
    state = await waiting
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    return state


def _error(message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


class QueryCost(SchemaExtension):
    """Refuses a too costly document (QUERY_TOO_COSTLY) or a caller over budget (RATE_LIMITED,
    HTTP 429 with Retry-After) before anything runs, and reports the cost in
    `extensions.cost`. A subscription is charged once, when it starts."""

    def __init__(self, analysis: CostAnalysis, budget: Budget | None = None) -> None:
        self.analysis = analysis
        self.budget = budget
        self.requested: int | None = None
        self.state: BudgetState | None = None
        self.reported = False

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = self.analysis.cost(
            context.schema._schema,
            context.graphql_document,
            context.query,
            context.operation_name,
            context.variables,
        )
        self.requested = cost
        owner = context.context if isinstance(context.context, Context) else None
        if cost > self.analysis.maximum:
            if self.budget is not None and owner is not None:
                self.state = await _consult(self.budget.peek(owner))
            raise _error(
                f"This request would cost {cost}; one request may cost at most "
                f"{self.analysis.maximum}. Ask for fewer rows (`first`) or fewer nested lists.",
                "QUERY_TOO_COSTLY",
                cost=cost,
                maximum=self.analysis.maximum,
            )
        if self.budget is not None and owner is not None:
            # A request that asks only for scalars still counts.
            self.state = await _consult(self.budget.spend(owner, max(cost, 1)))
            if self.state is not None and not self.state.allowed:
                retry_after = max(1, math.ceil(self.state.reset_after))
                response = owner.response
                if response is not None and hasattr(response, "status_code"):
                    response.status_code = 429
                    response.headers["Retry-After"] = str(retry_after)
                raise _error(
                    f"Rate limit exceeded: this request costs {cost} and "
                    f"{self.state.remaining} of {self.state.limit} remain in this window. "
                    f"Retry after {retry_after} s.",
                    "RATE_LIMITED",
                    retryAfter=retry_after,
                )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.requested is None or self.reported:
            return {}
        # Subscription events after the first carry no cost: they cost nothing more.
        self.reported = True
        cost: dict[str, Any] = {"requested": self.requested, "maximum": self.analysis.maximum}
        if self.state is not None:
            cost["budget"] = self.state.report()
        return {"cost": cost}
