"""`orderBy` for connections: keyset cursors that carry the order's key and the id.

A list in id order (each list's default, `OLDEST`) keeps the plain id cursors of
schema.core.relay. Any other order pages on (column, id), both ascending or both descending, so
that a row inserted or changed between two pages never repeats or skips one already read; its
cursor names the order, so a cursor of one order given to another is refused, coded."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

ORDER_CURSOR_PREFIX = "order:"
WRONG_ORDER = "`after` is a cursor of another order: page with the `orderBy` that gave it."


@dataclass(frozen=True)
class KeyOrder:
    """One value of a list's `orderBy` enum: a column (None: the id alone) and a direction;
    the id breaks ties in the same direction."""

    name: str
    column: str | None = None
    descending: bool = False
    # How a key read back from a cursor becomes a value of the column again.
    parse: Callable[[str], Any] = str

    @property
    def is_id_order(self) -> bool:
        return self.column is None and not self.descending

    def fields(self) -> list[str]:
        sign = "-" if self.descending else ""
        return ([f"{sign}{self.column}"] if self.column else []) + [f"{sign}id"]

    def cursor(self, row: Any) -> str:
        key = str(getattr(row, self.column)) if self.column else None
        text = ORDER_CURSOR_PREFIX + json.dumps([self.name, key, row.pk], ensure_ascii=False)
        return base64.urlsafe_b64encode(text.encode()).decode()

    def after(self, query: QuerySet[Any], cursor: str) -> QuerySet[Any]:
        """The rows that follow `cursor` in this order; ValueError for a cursor of another
        order or no cursor at all."""
        name, key, row_id = decode_order_cursor(cursor)
        if name != self.name or not isinstance(row_id, int) or (key is None) != (not self.column):
            raise ValueError(WRONG_ORDER)
        beyond = "lt" if self.descending else "gt"
        if self.column is None:
            return query.filter(**{f"id__{beyond}": row_id})
        value = self.parse(str(key))
        return query.filter(
            Q(**{f"{self.column}__{beyond}": value})
            | Q(**{self.column: value, f"id__{beyond}": row_id})
        )


OLDEST = KeyOrder("OLDEST")
NEWEST = KeyOrder("NEWEST", descending=True)


def decode_order_cursor(cursor: str) -> tuple[Any, Any, Any]:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(ORDER_CURSOR_PREFIX):
            raise ValueError(WRONG_ORDER)
        name, key, row_id = json.loads(text.removeprefix(ORDER_CURSOR_PREFIX))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(WRONG_ORDER) from exc
    return name, key, row_id


def is_order_cursor(cursor: str) -> bool:
    try:
        decode_order_cursor(cursor)
    except ValueError:
        return False
    return True
