"""Exports for the national volunteer system (全国志愿服务信息系统): volunteers changed, and
service records confirmed, since a moment, in pages that a partial sync can resume.

Pages are keyset reads in (change time, id) order: a volunteer's `updated_at` (stamped by every
change), a record's `decided_at` (a confirmed record never changes again). A cursor is the
position of the last row sent, so "after the cursor" continues exactly where a sync stopped,
and the last cursor of one sync starts the next. Rows stamped in the last few seconds are left
for the next sync: a transaction may still be committing a row stamped before them.

What leaves the city: what real-name registration and service-hour records need (name, ID
number, gender, birth date, district, skills, status, hours), never phone numbers or home
locations. Only an API client with the `export` scope may read it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.dispatch import RecordStatus, ServiceRecord
from models.volunteers import Volunteer, unpack_tags
from services.common.errors import NotAuthenticated, NotPermitted
from services.common.principal import Principal, Scope

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1000
BATCH = 500


class Dataset(str, Enum):
    VOLUNTEERS = "volunteers"
    SERVICE_RECORDS = "service-records"


@dataclass(frozen=True)
class Position:
    """Where a row stands in its export: its change time, then its id."""

    at: datetime
    id: int

    def encode(self, dataset: Dataset) -> str:
        text = f"{dataset.value}|{self.at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, dataset: Dataset) -> Position | None:
        """None for anything this server did not hand out for this dataset."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            name, at, row_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
            position = cls(datetime.fromisoformat(at), int(row_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if name != dataset.value or position.at.tzinfo is None or position.id < 1:
            return None
        return position


@dataclass(frozen=True)
class Window:
    """One page: the rows after `after` up to and including `last`."""

    dataset: Dataset
    since: datetime | None
    after: Position | None
    last: Position | None
    has_more: bool


# (column, field name in the export) of each dataset, in the order they are written.
VOLUNTEER_FIELDS = (
    ("id", "id"),
    ("real_name", "realName"),
    ("id_number", "idNumber"),
    ("gender", "gender"),
    ("birth_date", "birthDate"),
    ("district__code", "district"),
    ("community__name", "community"),
    ("skills", "skills"),
    ("status", "status"),
    ("registered_at", "registeredAt"),
    ("total_hours", "totalHours"),
    ("updated_at", "updatedAt"),
    # Last, so that a CSV reader that goes by column position keeps working.
    ("volunteer_number", "volunteerNumber"),
)
RECORD_FIELDS = (
    ("id", "id"),
    ("volunteer_id", "volunteerId"),
    ("order_id", "orderId"),
    ("order__category", "category"),
    ("order__district__code", "district"),
    ("started_at", "startedAt"),
    ("ended_at", "endedAt"),
    ("hours", "hours"),
    ("decided_at", "confirmedAt"),
    ("volunteer__volunteer_number", "volunteerNumber"),
)


@dataclass(frozen=True)
class _Spec:
    model: type[Model]
    stamp: str
    fields: tuple[tuple[str, str], ...]
    where: dict[str, Any]


_SPECS = {
    Dataset.VOLUNTEERS: _Spec(Volunteer, "updated_at", VOLUNTEER_FIELDS, {}),
    Dataset.SERVICE_RECORDS: _Spec(
        ServiceRecord, "decided_at", RECORD_FIELDS, {"status": RecordStatus.CONFIRMED}
    ),
}


def field_names(dataset: Dataset) -> list[str]:
    return [name for _, name in _SPECS[dataset].fields]


def require_export_scope(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise NotAuthenticated()
    if not principal.has_scope(Scope.EXPORT):
        raise NotPermitted("Exports need an API key with the `export` scope.")


def _beside(stamp: str, position: Position, before: bool) -> Q:
    """Rows after a position in (stamp, id) order, or (`before`) up to and including it."""
    later: dict[str, Any] = {f"{stamp}__{'lt' if before else 'gt'}": position.at}
    tie: dict[str, Any] = {stamp: position.at, f"id__{'lte' if before else 'gt'}": position.id}
    return Q(**later) | Q(**tie)


def _query(
    spec: _Spec, since: datetime | None, after: Position | None, horizon: datetime
) -> QuerySet[Any]:
    query = spec.model.filter(**spec.where, **{f"{spec.stamp}__lte": horizon})
    if since is not None:
        query = query.filter(**{f"{spec.stamp}__gte": since})
    if after is not None:
        query = query.filter(_beside(spec.stamp, after, before=False))
    return query.order_by(spec.stamp, "id")


async def plan(
    dataset: Dataset,
    since: datetime | None,
    after: Position | None,
    limit: int,
    horizon: datetime,
) -> Window:
    """Finds where the page ends (one read of the index) before any row is sent, so that the
    next cursor can travel in the response's headers."""
    spec = _SPECS[dataset]
    keys = await _query(spec, since, after, horizon).limit(limit + 1).values_list(spec.stamp, "id")
    page = keys[:limit]
    last = Position(page[-1][0], page[-1][1]) if page else None
    return Window(dataset, since, after, last, has_more=len(keys) > limit)


async def rows(window: Window, batch: int = BATCH) -> AsyncIterator[dict[str, Any]]:
    """The page's rows in order, read `batch` at a time, as {export field name: value}."""
    if window.last is None:
        return
    spec = _SPECS[window.dataset]
    columns = [column for column, _ in spec.fields]
    after = window.after
    while True:
        query = _query(spec, window.since, after, window.last.at).filter(
            _beside(spec.stamp, window.last, before=True)
        )
        found = await query.limit(batch).values_list(*columns)
        for values in found:
            row = {name: value for (_, name), value in zip(spec.fields, values, strict=True)}
            if "skills" in row:
                row["skills"] = unpack_tags(row["skills"])
            yield row
        if len(found) < batch:
            return
        last = dict(zip(columns, found[-1], strict=True))
        after = Position(last[spec.stamp], last["id"])
