"""The one GraphQL schema: every domain's Query/Mutation merged, with the query limits on."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema import (
    accounts,
    activities,
    api_clients,
    audit,
    certificates,
    civic,
    dispatch,
    geography,
    imports,
    notifications,
    organizations,
    rewards,
    stations,
    statistics,
    timebank,
    volunteers,
    wall,
    webhooks,
)
from schema.api_clients.recheck import ApiKeyRecheck
from schema.core.inputs import InputCheck
from schema.core.metrics import OperationMetrics
from schema.core.permissions import WallAudience
from schema.core.scalars import SCALAR_OVERRIDES
from schema.fanout.execution import FanoutExecutor, PlainEventExecutor, StreamingExtensionsRunner
from schema.limits.budget import Budget, QueryCost
from schema.limits.cost import CostAnalysis
from schema.limits.validation import DocumentValidator, QueryLimits, QueryLimitsExtension
from schema.wall.types import WallActivityEvent
from settings import Settings, get_settings

log = logging.getLogger("volunteer_city.graphql")


def _root(name: str, description: str, types: tuple[type, ...]) -> type:
    """One root type from every domain's (strawberry's `merge_types`, with a description)."""
    return strawberry.type(type(name, types, {}), name=name, description=description)


def _query() -> type:
    """A fresh root Query for every schema: strawberry's relay `node` field is rewritten in
    place by the first schema built with it, and a second schema would fail to build."""

    @strawberry.type
    class NodeQuery:
        node: relay.Node | None = relay.node(description="Any object by its global ID.")

    return _root(
        "Query",
        "Everything that can be read: each domain's look-ups and lists, and `node`.",
        (
            NodeQuery,
            accounts.Query,
            geography.Query,
            volunteers.Query,
            organizations.Query,
            dispatch.Query,
            stations.Query,
            statistics.Query,
            timebank.Query,
            civic.Query,
            activities.Query,
            rewards.Query,
            wall.Query,
            api_clients.Query,
            webhooks.Query,
            certificates.Query,
            notifications.Query,
            imports.Query,
            audit.Query,
        ),
    )


Mutation = _root(
    "Mutation",
    "Every change: each takes one `input` and answers a payload whose `errors` say why not.",
    (
        accounts.Mutation,
        geography.Mutation,
        volunteers.Mutation,
        organizations.Mutation,
        dispatch.Mutation,
        stations.Mutation,
        timebank.Mutation,
        civic.Mutation,
        activities.Mutation,
        rewards.Mutation,
        api_clients.Mutation,
        webhooks.Mutation,
        certificates.Mutation,
        notifications.Mutation,
        imports.Mutation,
    ),
)
Subscription = _root(
    "Subscription",
    "Live events over graphql-transport-ws, resumable from a cursor.",
    (
        dispatch.Subscription,
        civic.Subscription,
        activities.Subscription,
        notifications.Subscription,
    ),
)


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose (GraphQLError with a code) and graphql-core's own parse and
    validation errors reach the client; anything else is a bug and is masked, and logged."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error in %s", error.path, exc_info=original)
    return True


class _MaskErrors(MaskErrors):
    """strawberry's, without its `isinstance` against a runtime-checkable protocol: that costs
    ~30 µs per result, which a subscription event pays once per subscriber."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry logs every error with a traceback at ERROR; most are the client's (bad
        # input, not signed in). Unexpected ones are logged where they are masked.
        for error in errors:
            log.debug("graphql error: %s", error.message)


class FanoutSchema(Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        # A subscription event pays the extensions' per-result hooks once per subscriber.
        return StreamingExtensionsRunner(execution_context, extensions)


def build_schema(
    settings: Settings | None = None, *, fanout: bool = True, budget: Budget | None = None
) -> strawberry.Schema:
    """`fanout=False` executes every subscriber's events on its own, with strawberry's own
    extension runner, as plain strawberry does: only for measuring what fan-out saves
    (bench/fanout.py). `budget` charges each request's cost to its caller (the server's rate
    limiter); without it, cost is only measured and capped."""
    settings = settings or get_settings()
    wall.open_wall_fields()
    costs = CostAnalysis(settings.max_query_cost, settings.graphql_cache_size)
    limits = QueryLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
        max_fields=settings.max_query_fields,
        max_tokens=settings.max_query_tokens,
    )
    # One per schema: it keeps each document's parse and validation, bounded.
    validator = DocumentValidator(limits, settings.graphql_cache_size)
    return (FanoutSchema if fanout else Schema)(
        query=_query(),
        mutation=Mutation,
        subscription=Subscription,
        # Reached only as an implementation of `WallEvent` (dispatchFeed), which strawberry
        # does not discover by itself.
        types=[WallActivityEvent],
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides=SCALAR_OVERRIDES,
        # Subscription events: one read and one execution per event and audience, not per
        # subscriber.
        execution_context_class=FanoutExecutor if fanout else PlainEventExecutor,
        extensions=[
            # Parsing under the token cap, the limits on the expanded document and validation,
            # in time linear in the document, cached per document (schema/limits/validation.py):
            # strawberry's limiters expand every fragment spread, exponential in the worst case.
            lambda: QueryLimitsExtension(validator),
            # After validation, whose result it replaces: NUL, lone surrogates and over-long
            # strings are refused before anything is costed or run.
            InputCheck,
            # An app's WebSocket key is checked again before each operation is costed and run.
            ApiKeyRecheck,
            # A wall screen's document uses only what the wall shows, or is refused uncosted.
            WallAudience,
            # Before OperationMetrics: a refused request never enters the later extensions.
            lambda: QueryCost(costs, budget),
            OperationMetrics,
            lambda: _MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error."),
        ],
    )
