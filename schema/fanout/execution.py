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

A shared result's `data` is a `SharedData`: the same object for all its subscribers, which the
WebSocket handler (api/websocket.py) serialises once and sends to each of them as the same
bytes. `StreamingExtensionsRunner` looks the extensions' per-result hooks up once per operation
instead of once per result and subscriber.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace
from typing import Any, Protocol, cast

import orjson
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
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext, StreamExecutionResult
from strawberry.utils.await_maybe import await_maybe

from schema.core.context import Audience, Context
from schema.core.loaders import Loaders
from services.common.principal import Principal
from services.organizations import lookups as organization_lookups
from services.volunteers import lookups as volunteer_lookups

# The identity of a shared execution's stand-in principal: signed in, but nobody.
NOBODY = -1
_LOADERS = "fanout.loaders"
_EXECUTIONS = "fanout.executions"


class SharedData(dict[str, Any]):
    """The `data` of a result shared by every subscriber of an event and audience. Nothing
    changes it once built, so it is serialised once (`as_json`), however many receive it."""

    __slots__ = ("_json",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._json: str | None = None

    def as_json(self) -> str:
        if self._json is None:
            self._json = orjson.dumps(self).decode()
        return self._json


class _StreamResultHooks(StreamResultContextManager):
    """strawberry's context manager for one result's `on_stream_result` hooks, given the hooks
    found once for the operation instead of looking them up again."""

    def __init__(self, hooks: list[WrappedHook], result: StreamExecutionResult) -> None:
        self.result = result
        self.hooks = hooks


class StreamingExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner, doing per result only what the extensions ask for: the ones with
    results of their own and the `on_stream_result` hooks are found once, when an operation
    starts, where strawberry inspects every extension for every result (~30 µs per subscriber
    and event with our five)."""

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        base = SchemaExtension.get_results
        self._with_results = [e for e in self.extensions if type(e).get_results is not base]
        self._stream_hooks: list[WrappedHook] | None = None

    def on_stream_result(  # type: ignore[override]  # strawberry's type is a concrete class
        self, result: StreamExecutionResult
    ) -> AbstractAsyncContextManager[object]:
        if self._stream_hooks is None:
            base = SchemaExtension.on_stream_result
            hooked = [e for e in self.extensions if type(e).on_stream_result is not base]
            self._stream_hooks = StreamResultContextManager(hooked, result).hooks if hooked else []
        if not self._stream_hooks:
            return nullcontext()
        return _StreamResultHooks(self._stream_hooks, result)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self._with_results:
            data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data


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
        [admin_of] = await organization_lookups.admin_organization_ids_of_users([principal.user_id])
        personal = bool(admin_of) or (
            await volunteer_lookups.volunteer_of_user(principal.user_id) is not None
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
        context = self.context_value
        if not isinstance(context, Context):
            return cast("FanoutExecutor", super().build_per_event_executor(payload))
        # Not isinstance(payload, SharedEvent): a protocol check costs ~90 µs per call.
        event_id = getattr(payload, "event_id", None)
        if context.hub is None or type(event_id) is not int:
            executor = cast("FanoutExecutor", super().build_per_event_executor(payload))
            # Still a fresh set of loaders per event: the connection's would serve old rows.
            executor.context_value = replace(context, loaders=Loaders())
            return executor
        views = context.hub.views(event_id)
        key = None
        if context.audience is not None and self._operation_key is not None:
            key = (self._operation_key, context.audience.key)
            shared = views.get(_EXECUTIONS, {}).get(key)
            if shared is not None:
                # Someone of this audience started the event's execution: nothing to build.
                return cast("FanoutExecutor", _Joined(shared))
        executor = cast("FanoutExecutor", super().build_per_event_executor(payload))
        executor._views = views
        executor._share_key = key
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
        executions: dict[tuple[object, ...], ExecutionResult | _SharedExecution] | None = views.get(
            _EXECUTIONS
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
                shared = executions[key] = _shared(cast("ExecutionResult", result))
                return shared
            shared = executions[key] = _SharedExecution(cast("Awaitable[ExecutionResult]", result))
        if isinstance(shared, ExecutionResult):
            return shared
        return shared.wait()

    def __copy__(self) -> FanoutExecutor:
        # What copy.copy does for graphql-core's build_per_event_executor, without the pickle
        # protocol's detour (~7 µs per subscriber and event).
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone


class _Joined:
    """Stands in for a per-event executor when the event's execution for this subscriber's
    audience exists already: graphql-core only calls `execute_operation` on it."""

    __slots__ = ("shared",)

    def __init__(self, shared: ExecutionResult | _SharedExecution) -> None:
        self.shared = shared

    def execute_operation(
        self, serially: bool | None = None
    ) -> ExecutionResult | asyncio.Future[ExecutionResult]:
        shared = self.shared
        return shared if isinstance(shared, ExecutionResult) else shared.wait()


class _SharedExecution:
    """One execution that many subscribers await. Each waits on a future of its own, so one
    going away (its task cancelled) cancels its own wait and never the execution the others
    need: asyncio.shield's guarantee, at a third of its cost per subscriber."""

    __slots__ = ("result", "task", "waiters")

    def __init__(self, execution: Awaitable[ExecutionResult]) -> None:
        self.result: ExecutionResult | None = None
        self.waiters: list[asyncio.Future[ExecutionResult]] = []
        self.task = asyncio.ensure_future(_shared_later(execution))
        self.task.add_done_callback(self._finished)

    def done(self) -> bool:
        return self.task.done()

    def wait(self) -> ExecutionResult | asyncio.Future[ExecutionResult]:
        if self.result is not None:
            return self.result
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return waiter

    def _finished(self, task: asyncio.Task[ExecutionResult]) -> None:
        waiters, self.waiters = self.waiters, []
        error = None if task.cancelled() else task.exception()
        if not task.cancelled() and error is None:
            self.result = task.result()
        for waiter in waiters:
            if waiter.done():
                continue
            if self.result is not None:
                waiter.set_result(self.result)
            elif error is not None:
                waiter.set_exception(error)
            else:
                waiter.cancel()


def _shared(result: ExecutionResult) -> ExecutionResult:
    if result.data is None:
        return result
    return ExecutionResult(SharedData(result.data), result.errors, result.extensions)


async def _shared_later(result: Awaitable[ExecutionResult]) -> ExecutionResult:
    return _shared(await result)
