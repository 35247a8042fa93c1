"""Prometheus metrics of GraphQL operations: how many, by name, type and outcome, and how long
queries and mutations take. Served by `/metrics` (api/observability/metrics.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import GraphQLError
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

OPERATIONS = Counter(
    "vc_graphql_operations",
    "GraphQL operations by name, type and outcome; a subscription is counted when it starts "
    "(or is refused).",
    ["operation", "type", "outcome"],
)
DURATION = Histogram(
    "vc_graphql_operation_duration_seconds",
    "Time from receiving a query or mutation to its result, by name and type.",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# Operation names come from clients: past this many distinct names, new ones count as "other",
# so that a client cannot grow the metrics (and the scrape) without bound.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
_known_names: set[str] = set()

_OUTCOME_OF_CODE = {
    "RATE_LIMITED": "rate_limited",
    "QUERY_TOO_COSTLY": "too_costly",
    "NOT_AUTHENTICATED": "unauthenticated",
    "NOT_PERMITTED": "forbidden",
}


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _known_names:
        return name
    if not _NAME.match(name) or len(_known_names) >= MAX_OPERATION_NAMES:
        return "other"
    _known_names.add(name)
    return name


def outcome_of(errors: Iterable[GraphQLError] | None) -> str:
    """ok; or the first known code among the errors; invalid when nothing ran (parse,
    validation); error when a field failed."""
    found = list(errors or ())
    if not found:
        return "ok"
    for error in found:
        outcome = _OUTCOME_OF_CODE.get(str((error.extensions or {}).get("code")))
        if outcome:
            return outcome
    return "error" if any(error.path for error in found) else "invalid"


def _operation_type(context: ExecutionContext) -> str:
    try:
        return context.operation_type.value
    except Exception:  # no document: it did not parse
        return "unknown"


class OperationMetrics(SchemaExtension):
    """Counts each operation once: a query or mutation at its result, a subscription when its
    stream has started (or when it is refused before). Listed after QueryCost, whose refusals
    keep this extension's `on_execute` from running at all."""

    def __init__(self) -> None:
        self.started = 0.0
        self.recorded = False

    def on_operation(self) -> Iterator[None]:
        self.started = time.perf_counter()
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        if _operation_type(self.execution_context) == "subscription":
            self._record()

    def get_results(self) -> dict[str, Any]:
        self._record()
        return {}

    def _record(self) -> None:
        if self.recorded:
            return
        self.recorded = True
        context = self.execution_context
        name = operation_label(context.operation_name if context.graphql_document else None)
        kind = _operation_type(context)
        OPERATIONS.labels(name, kind, outcome_of(context.pre_execution_errors)).inc()
        if kind != "subscription":
            DURATION.labels(name, kind).observe(time.perf_counter() - self.started)
