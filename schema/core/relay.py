"""Relay connections with keyset pagination, and global-ID decoding for inputs.

One rule for every ID a client sends: a value that is no global ID of this API (not base64 of
`Type:number`) is refused before anything runs, a top-level error coded INVALID_ID naming the
argument or input field (`check_global_id`, called by schema.core.inputs for every `ID`); a
well-formed ID of another type than the argument takes is NOT_FOUND naming it too — top-level for
the arguments of queries and subscriptions (`id_of`), the domain's not-found code in a mutation's
payload (`decode_id`, the service reports the missing row). A well-formed ID of the right type
whose row is missing or hidden is what it always was: null for a look-up, empty for a filter."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import relay
from tortoise.models import Model
from tortoise.queryset import QuerySet

from schema.core.ordering import OLDEST, WRONG_ORDER, KeyOrder, is_order_cursor
from services.common import lookups

MAX_PAGE_SIZE = 100
# The largest id any table can hold on every backend: PostgreSQL's `integer` (SQLite's is
# wider). A number past it names no row, and sent to PostgreSQL it would fail the statement.
MAX_DATABASE_ID = 2**31 - 1
# ASCII digits only: `str.isdigit` also accepts "²", which `int` refuses.
_DATABASE_ID = re.compile(r"[0-9]{1,10}")
DEFAULT_PAGE_SIZE = 20
_CURSOR_PREFIX = "cursor:"
_DIGITS = re.compile(r"[0-9]+")
INVALID_ID = "INVALID_ID"
NOT_FOUND = "NOT_FOUND"

T = TypeVar("T")
M = TypeVar("M", bound=Model)
R = TypeVar("R", bound=Model)

# Nullable with its default, so that Relay's pagination fragments (`count: Int`) compile.
PageSize = Annotated[
    int | None,
    strawberry.argument(
        description=f"Rows of this page, 0-{MAX_PAGE_SIZE}; null or left out for "
        f"{DEFAULT_PAGE_SIZE}."
    ),
]


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Rows precede this page (true whenever `after` was given). Lists page "
        "forward only, with `first` and `after`: there is no `last` or `before`."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` for the next page."
    )


@strawberry.type(description="One row of a connection, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this row.")
    node: T = strawberry.field(description="The row.")


@strawberry.type(
    description="A page of a list, Relay style: forward paging with `first` and `after` only."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    query: strawberry.Private[QuerySet[Any] | None]
    # A nested list's rows come from a batched loader: its total is known without a statement.
    total: strawberry.Private[int] = 0

    @strawberry.field(description="Rows in the whole filtered list, not only this page.")
    async def total_count(self) -> int:
        return self.total if self.query is None else await self.query.count()

    @strawberry.field(description="The rows of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        row_id = database_id(text.removeprefix(_CURSOR_PREFIX))
        if row_id is None:
            raise ValueError(text)
        return row_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        if is_order_cursor(cursor):
            raise bad_input(WRONG_ORDER) from exc
        raise bad_input("`after` is not a cursor of this list.") from exc


async def paginate(
    query: QuerySet[M],
    first: int | None,
    after: str | None,
    to_node: Callable[[M], T],
    order: KeyOrder = OLDEST,
) -> Connection[T]:
    """Keyset pagination on the primary key (or on `order`'s column and the key): stable under
    inserts, constant cost per page."""
    first = page_size(first)
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_input(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    page_query = query
    if after is not None and order.is_id_order:
        page_query = page_query.filter(id__gt=decode_cursor(after))
    elif after is not None:
        try:
            page_query = order.after(page_query, after)
        except ValueError as exc:
            raise bad_input(str(exc)) from exc
    rows = await page_query.order_by(*order.fields()).limit(first + 1) if first else []
    edges = [
        Edge(
            cursor=encode_cursor(row.pk) if order.is_id_order else order.cursor(row),
            node=to_node(row),
        )
        for row in rows[:first]
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=query,
    )


def page_of(
    rows: Sequence[R], first: int | None, after: str | None, to_node: Callable[[R], T]
) -> Connection[T]:
    """A page of a nested list that a DataLoader read for all its parents in one statement,
    `rows` in ascending id order: the same keyset cursors as `paginate`, no statement more."""
    first = page_size(first)
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_input(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    start = 0
    if after is not None:
        after_id = decode_cursor(after)
        start = next((i for i, row in enumerate(rows) if row.pk > after_id), len(rows))
    chosen = rows[start : start + first]
    edges = [Edge(cursor=encode_cursor(row.pk), node=to_node(row)) for row in chosen]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + first < len(rows),
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=None,
        total=len(rows),
    )


def page_size(first: int | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    """`first` as given, or the default for null (a Relay fragment's unset `count`)."""
    return default if first is None else first


def database_id(text: str) -> int | None:
    """The row id a global ID's or cursor's number names, or None where it is no number a
    table can hold (negative, not ASCII digits, past `MAX_DATABASE_ID`)."""
    if _DATABASE_ID.fullmatch(text) is None:
        return None
    number = int(text)
    return number if number <= MAX_DATABASE_ID else None


def database_ids(node_ids: Iterable[str]) -> list[int]:
    """The ids inside `node(id:)` global IDs; one that is not a row id names no row (0)."""
    return [database_id(i) or 0 for i in node_ids]


def check_global_id(value: object, field: str) -> None:
    """Raises INVALID_ID unless `value` is a global ID as this API makes them."""
    if isinstance(value, str):
        try:
            type_name, node_id = relay.from_base64(value)
        except ValueError:
            pass
        else:
            if type_name and _DIGITS.fullmatch(node_id):
                return
    raise GraphQLError(
        f"`{field}` is not a global ID (an `id` this API returned).",
        extensions={"code": INVALID_ID, "field": field},
    )


def id_of(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The row id an argument of a query or subscription names; an ID of another type is a
    top-level NOT_FOUND naming `field` (its schema coordinate, `Query.volunteer(id:)`). A number
    no table can hold is 0, which names no row."""
    if global_id.type_name != type_name:
        raise not_found(field, f"the ID of a {global_id.type_name}, not of a {type_name}")
    return database_id(global_id.node_id) or 0


def not_found(field: str, what: str = "no such row") -> GraphQLError:
    """A top-level NOT_FOUND for an argument, where there is no null to answer with (a
    subscription to something that does not exist)."""
    return GraphQLError(f"`{field}`: {what}.", extensions={"code": NOT_FOUND, "field": field})


def optional_id_of(global_id: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    """`id_of` for an argument that may be left out (None)."""
    return None if global_id is None else id_of(global_id, type_name, field)


def decode_id(global_id: relay.GlobalID | None, type_name: str) -> int | None:
    """The database id in a global ID of the expected type, or `None` (the caller reports it
    as not found: a well-formed ID of the wrong type names nothing we have)."""
    if global_id is None or global_id.type_name != type_name:
        return None
    return database_id(global_id.node_id)


async def load_nodes(
    model: type[M],
    node_ids: Iterable[str],
    to_node: Callable[[M], T],
    *,
    visible: bool = True,
) -> list[T | None]:
    """What `resolve_nodes` returns for rows fetched by id: None where the row is missing, the
    id is malformed, or the caller may not see this kind of object at all (`visible`)."""
    ids = list(node_ids)
    if not visible:
        return [None for _ in ids]
    rows = await lookups.by_ids(model, database_ids(ids))
    return [to_node(row) if row is not None else None for row in rows]
