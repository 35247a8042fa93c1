"""Subscription fan-out: per event, one set of database reads and one execution per audience,
however many subscribers there are.

Plain strawberry executes a subscription's selection set for every subscriber and every event,
with that subscriber's DataLoaders: N subscribers cost N reads and N executions. Here a
subscription event whose payload names its event (`SharedEvent`) is executed by
`FanoutExecutor`, which shares two things through the hub's per-event views:

1. Rows. Every execution of event n gets a context whose DataLoaders are event n's, not the
   subscriber's: the first execution loads the order (and what hangs off it), every later one
   finds it loaded. Loaders hold raw rows, and what a reader may see of them is decided by the
   resolvers from the principal, so sharing rows between readers shows nobody anything more.
   They are fresh for every event, so nobody is served a row from before the event.

2. Executions (what Hasura calls multiplexing). Subscribers with the same document, the same
   values of the variables that the selection set uses (not the root field's own arguments such
   as `after`, which only shape the stream) and the same `Audience` receive the same result:
   the selection set runs once per event and its result goes to all of them.

An audience is what about a principal can change a result: whether it is a user or an app, its
roles and scopes, and, only for people whose identity grants them more (a volunteer sees their
own record unmasked, an organisation admin their members' phones), who they are. A shared
execution runs as a stand-in principal with the audience's roles and scopes and an identity that
matches nobody, so it shows only what every member of the audience may see. Identity is checked
when a connection's first subscription starts; someone who gains a relationship later keeps the
narrower shared view until they reconnect (never a wider one).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, Protocol, cast

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import VariableValues
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.context import Audience, Context
from schema.loaders import Loaders
from services import lookups
from services.principal import Principal

# The identity of a shared execution's stand-in principal: signed in, but nobody.
NOBODY = -1
_LOADERS = "fanout.loaders"
_EXECUTIONS = "fanout.executions"


class SharedEvent(Protocol):
    """A subscription payload that is the same object for every subscriber of an event; the
    executor recognises it by its `event_id` attribute."""

    event_id: int


async def audience_of(context: Context) -> Audience:
    """The audience of a connection's principal; two database reads for a signed-in user."""
    principal = context.principal
    personal = False
    if principal.user_id is not None:
        # Straight reads, not the connection's DataLoaders, which every operation on the
        # connection shares: read through them, one operation completing (its task cancelled)
        # left another's stream stalled (see the per-connection limit test in test_live_server).
        [admin_of] = await lookups.admin_organization_ids_of_users([principal.user_id])
        personal = bool(admin_of) or (
            await lookups.volunteer_of_user(principal.user_id) is not None
        )
    if personal:
        key: tuple[object, ...] = ("person", principal.user_id, principal.roles, principal.scopes)
        return Audience(key=key, principal=principal)
    stand_in = Principal(
        user_id=NOBODY if principal.user_id is not None else None,
        roles=principal.roles,
        api_client_id=NOBODY if principal.api_client_id is not None else None,
        scopes=principal.scopes,
    )
    key = ("role", stand_in.user_id, stand_in.api_client_id, principal.roles, principal.scopes)
    return Audience(key=key, principal=stand_in)


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.names.add(node.name.value)


def _selection_variables(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    """The variables an event's execution can depend on: all of them except those used only
    in the root field's arguments, which shape the source stream and not its events."""
    collector = _VariableNames()
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            for directive in selection.directives or ():
                visit(directive, collector)
            if selection.selection_set is not None:
                visit(selection.selection_set, collector)
        else:
            visit(selection, collector)
    for fragment in fragments.values():
        visit(fragment, collector)
    return collector.names


def operation_key(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> tuple[str, int, str] | None:
    """Equal for subscriptions whose events execute alike; None when that cannot be told."""
    if operation.loc is None:
        return None
    values: dict[str, Any] = {}
    for name in _selection_variables(operation, fragments):
        source = variables.sources.get(name)
        value = Undefined if source is None else source.value
        values[name] = None if value is Undefined else ["value", value]
    try:
        encoded = json.dumps(values, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return operation.loc.source.body, operation.loc.start, encoded


class PlainEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """What plain strawberry does, with fresh loaders per event: every subscriber executes
    every event on its own. Only for measuring what `FanoutExecutor` saves."""

    def build_per_event_executor(self, payload: Any) -> PlainEventExecutor:
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, PlainEventExecutor)
        if isinstance(self.context_value, Context):
            executor.context_value = replace(self.context_value, loaders=Loaders())
        return executor


class FanoutExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, sharing subscription events' reads and executions."""

    _operation_key: tuple[str, int, str] | None = None
    # Set on a per-event copy: the event's views, and the sharing key if it may be shared.
    _views: dict[str, Any] | None = None
    _share_key: tuple[object, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.operation.operation is OperationType.SUBSCRIPTION:
            self._operation_key = operation_key(
                self.operation, self.fragment_definitions, self.variable_values
            )

    def build_per_event_executor(self, payload: Any) -> FanoutExecutor:
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, FanoutExecutor)
        context = self.context_value
        if not isinstance(context, Context):
            return executor
        # Not isinstance(payload, SharedEvent): a protocol check costs ~90 µs per call.
        event_id = getattr(payload, "event_id", None)
        if context.hub is None or type(event_id) is not int:
            # Still a fresh set of loaders per event: the connection's would serve old rows.
            executor.context_value = replace(context, loaders=Loaders())
            return executor
        executor._views = context.hub.views(event_id)
        if context.audience is not None and self._operation_key is not None:
            executor._share_key = (self._operation_key, context.audience.key)
        return executor

    def _event_context(self, principal: Principal | None = None) -> Context:
        assert self._views is not None and isinstance(self.context_value, Context)
        loaders = self._views.get(_LOADERS)
        if loaders is None:
            loaders = self._views[_LOADERS] = Loaders()
        if principal is None:
            return replace(self.context_value, loaders=loaders)
        return replace(self.context_value, loaders=loaders, principal=principal)

    def execute_operation(self, serially: bool | None = None) -> Any:
        views = self._views
        if views is None:
            return super().execute_operation(serially)
        key = self._share_key
        if key is None:
            self.context_value = self._event_context()
            return super().execute_operation(serially)
        executions: dict[tuple[object, ...], ExecutionResult | asyncio.Task[Any]] | None = (
            views.get(_EXECUTIONS)
        )
        if executions is None:
            executions = views[_EXECUTIONS] = {}
        shared = executions.get(key)
        if shared is None:
            audience = self.context_value.audience
            assert isinstance(audience, Audience)
            self.context_value = self._event_context(audience.principal)
            result = super().execute_operation(serially)
            if not self.is_awaitable(result):
                executions[key] = cast("ExecutionResult", result)
                return result
            shared = asyncio.ensure_future(cast("Awaitable[ExecutionResult]", result))
            executions[key] = shared
        if isinstance(shared, ExecutionResult):
            return shared
        if shared.done():
            return shared.result()
        # Shielded: one subscriber going away must not cancel the execution the others await.
        return asyncio.shield(shared)
