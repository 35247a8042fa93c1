"""The shapes every domain's batch reads share (`services/<domain>/lookups.py` holds the reads
themselves): answers in the order of the keys asked for, one statement for any number of keys,
duplicate keys read once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def by_ids(model: type[M], ids: Sequence[int]) -> list[M | None]:
    rows = {row.pk: row for row in await model.filter(pk__in=list(set(ids)))}
    return [rows.get(i) for i in ids]


def grouped(rows: Iterable[tuple[int, T]], ids: Sequence[int]) -> list[list[T]]:
    """`(key, value)` pairs as one list of values per id, in the pairs' order."""
    groups: dict[int, list[T]] = defaultdict(list)
    for key, value in rows:
        groups[key].append(value)
    return [groups.get(i, []) for i in ids]


def grouped_by(rows: Iterable[M], field: str, ids: Sequence[int]) -> list[list[M]]:
    """Rows as one list per id of their `field` (a foreign key's `..._id`), in the rows' order."""
    return grouped(((getattr(row, field), row) for row in rows), ids)


async def counted(query: QuerySet[M], field: str, ids: Sequence[int]) -> list[int]:
    """How many rows of `query` each id has in `field`: one grouped statement."""
    filtered: QuerySet[Any] = query.filter(**{f"{field}__in": list(set(ids))})
    rows = await filtered.group_by(field).annotate(n=Count("id")).values_list(field, "n")
    counts = {int(key): int(n) for key, n in rows}
    return [counts.get(i, 0) for i in ids]
