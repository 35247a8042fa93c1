"""The schema's front door: who may call a field, declared once on the field, and what the wall
screen's audience may read.

`requires(...)` goes in a field's `extensions`. It refuses a caller before the resolver runs —
before any argument is looked at, so a refused caller learns nothing about which IDs exist —
with a top-level error coded NOT_AUTHENTICATED or NOT_PERMITTED, and it writes the rule at the
end of the field's description, so the published schema says what the code checks. Services
keep their own checks: Open311 and the CLI call them without passing through here.

A wall screen's credential lives in a browser in a public room. A principal whose only role is
WALL_DISPLAY may use a field only if the field is declared open to the wall: a root field by
naming WALL_DISPLAY in its `requires(...)`, any other by `open_to_wall(...)`
(schema/wall/audience.py lists them, exactly what the wall page reads). `WallAudience` checks
every field of a document against that, over HTTP and WebSocket alike, before it runs.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing
from types import MappingProxyType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types import get_object_definition
from strawberry.types.field import StrawberryField

from models.accounts import Role
from schema.core.context import Context, Info
from schema.core.errors import access_error
from services.common.errors import NotAuthenticated, NotPermitted
from services.common.principal import Principal

# The key in a strawberry field's metadata that opens it to the wall's audience.
WALL = "volunteer_city.wall"


def _open(field: StrawberryField) -> None:
    field.metadata = MappingProxyType({**field.metadata, WALL: True})


class Requires(FieldExtension):
    """Who may call a field: any signed-in person (no roles, no scopes; with `apps`, any app
    too), or a holder of one of `roles` or an app with one of `scopes`."""

    def __init__(self, roles: tuple[Role, ...], scopes: tuple[str, ...], apps: bool) -> None:
        self.roles = roles
        self.scopes = scopes
        self.apps = apps
        self.subscription = False

    @property
    def rule(self) -> str:
        if not self.roles and not self.scopes:
            return "Sign-in required (a person or an app)." if self.apps else "Sign-in required."
        parts = []
        if self.roles:
            parts.append("Roles: " + ", ".join(role.value for role in self.roles))
        if self.scopes:
            parts.append("apps with scope " + ", ".join(f"`{s}`" for s in self.scopes))
        return "; ".join(parts) + "."

    def apply(self, field: StrawberryField) -> None:
        # Every schema built in a process applies the field's extensions again.
        if not (field.description or "").endswith(self.rule):
            field.description = f"{field.description or ''} {self.rule}".lstrip()
        self.subscription = field.is_subscription
        if Role.WALL_DISPLAY in self.roles:
            _open(field)

    def check(self, principal: Principal) -> None:
        if not self.roles and not self.scopes:
            if principal.user_id is None and not (self.apps and principal.is_authenticated):
                raise access_error(NotAuthenticated())
            return
        if not principal.is_authenticated:
            raise access_error(NotAuthenticated())
        if principal.has_role(*self.roles) or any(principal.has_scope(s) for s in self.scopes):
            return
        raise access_error(NotPermitted(self.rule))

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self.check(info.context.principal)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if self.subscription:
            return self._stream(next_, source, info, kwargs)
        self.check(info.context.principal)
        return await next_(source, info, **kwargs)

    async def _stream(
        self, next_: Callable[..., Any], source: Any, info: Info, kwargs: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        """A subscription is refused as its stream starts, as a refusal inside the resolver
        always was: clients get it as the stream's first result (`next` with `errors`)."""
        self.check(info.context.principal)
        async with aclosing(next_(source, info, **kwargs)) as stream:
            async for event in stream:
                yield event


def requires(*roles: Role, scopes: Iterable[str] = (), apps: bool = False) -> Requires:
    """`extensions=[requires()]`: signed in; `requires(Role.ADMIN)`: administrators only."""
    return Requires(roles, tuple(scopes), apps)


def open_to_wall(cls: type, *names: str) -> None:
    """Opens the named fields of a strawberry type (Python names) to the wall's audience."""
    definition = get_object_definition(cls, strict=True)
    unknown = set(names) - {f.python_name for f in definition.fields}
    if unknown:
        raise ValueError(f"{definition.name} has no field {', '.join(sorted(unknown))}")
    for field in definition.fields:
        # A relay node's `id` is served by a field of strawberry's own (`_id`, named `id`).
        if field.python_name in names or field.graphql_name in names:
            _open(field)


def is_open_to_wall(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get("strawberry-definition")
    return isinstance(definition, StrawberryField) and bool(definition.metadata.get(WALL))


class _WallFields(Visitor):
    """Finds the first field of a document that is closed to the wall. Each fragment is walked
    once, where it is defined, so the work is linear in the document."""

    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.closed: str | None = None

    def enter_field(self, node: FieldNode, *_: object) -> object:
        name = node.name.value
        parent = self.type_info.get_parent_type()
        if name == "__typename" or parent is None:
            return None
        if not self._open_on(parent, name):
            self.closed = f"{parent.name}.{name}"
            return self.BREAK
        return None

    def _open_on(self, parent: GraphQLNamedType, name: str) -> bool:
        owners: list[Any] = [parent]
        if isinstance(parent, GraphQLInterfaceType):
            # An interface's field runs as each implementation's: all must be open.
            owners += self.schema.get_implementations(parent).objects
        for owner in owners:
            field = getattr(get_named_type(owner), "fields", {}).get(name)
            if field is None or not is_open_to_wall(field):
                return False
        return True


def closed_to_wall(schema: GraphQLSchema, document: DocumentNode) -> str | None:
    """The first field of `document` the wall may not use (`Type.field`), or None."""
    type_info = TypeInfo(schema)
    finder = _WallFields(schema, type_info)
    visit(document, TypeInfoVisitor(type_info, finder))
    return finder.closed


class WallAudience(SchemaExtension):
    """Refuses a wall screen's document that uses any field not open to the wall, before it
    runs or is costed: NOT_PERMITTED, naming the field."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        owner = context.context
        if isinstance(owner, Context) and owner.principal.is_wall_screen:
            assert context.graphql_document is not None
            closed = closed_to_wall(context.schema._schema, context.graphql_document)
            if closed is not None:
                raise access_error(
                    NotPermitted(f"A wall screen reads only what the wall shows, not {closed}.")
                )
        yield
