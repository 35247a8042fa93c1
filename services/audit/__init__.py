"""The audit log of administrative changes: who changed what, when, before → after.

Every administrative service writes its entry with `record`, inside the transaction that makes
the change (Tortoise binds `in_transaction()`'s connection to the running task, so the insert
goes through the caller's connection): the change and its entry commit together or not at all.
This domain only records and lists; each change lives in its own domain's service.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.accounts import User
from models.audit import AuditEntry
from services.audit.errors import AuditErrorCode
from services.common.errors import Collector, NotPermitted
from services.common.principal import Principal
from services.common.requests import request_id

# An object type is the name the API gives the object (`District`, `DispatchCenter`), so that
# an entry's object id can be turned into the global ID `node(id:)` resolves.
MAX_OBJECT_TYPE = 48
EXPORT_BATCH = 500


async def record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor_label: str = "",
) -> AuditEntry:
    """Writes one entry; call it inside the change's `in_transaction()`. `actor` is None at
    the command line, where `actor_label` says who ran it (default: the actor's username)."""
    return await AuditEntry.create(
        actor=actor,
        actor_label=(actor_label or (actor.username if actor else ""))[:128],
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        request_id=(request_id.get() or "")[:64],
    )


def plain(value: Any) -> Any:
    """A field's value as the JSON an entry stores: times in ISO 8601, decimals as text (no
    rounding), enums by value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(row: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row (a relation by its `_id` column), ready for `before`/`after`."""
    return {name: plain(getattr(row, name)) for name in fields}


@dataclass(frozen=True)
class Actor:
    """Who makes an administrative change: a signed-in administrator, or the command line
    (whoever can run it on the server administers the city; `label` says who it was)."""

    user: User | None
    label: str

    @classmethod
    async def admin(cls, principal: Principal) -> Actor:
        """The signed-in administrator behind a request; anyone else is refused."""
        require_admin(principal)
        user = await User.get_or_none(id=principal.user_id)
        if user is None:
            raise NotPermitted("The account is gone.")
        return cls(user, user.username)

    @classmethod
    async def of(cls, principal: Principal) -> Actor:
        """Whoever is signed in (a change some other roles may make too, e.g. an
        organisation admin's station), or an app by its id."""
        user = await User.get_or_none(id=principal.user_id) if principal.user_id else None
        if user is not None:
            return cls(user, user.username)
        return cls(None, f"app:{principal.api_client_id}" if principal.api_client_id else "")

    @classmethod
    def console(cls) -> Actor:
        return cls(None, f"cli:{getpass.getuser()}")

    async def record(
        self,
        action: str,
        object_type: str,
        object_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> AuditEntry:
        return await record(
            actor=self.user,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            actor_label=self.label,
        )


@dataclass(frozen=True)
class AuditFilter:
    object_type: str | None = None
    object_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def checked(self) -> AuditFilter:
        problems = Collector()
        if self.object_type is not None and not 1 <= len(self.object_type) <= MAX_OBJECT_TYPE:
            problems.add(
                AuditErrorCode.INVALID_OBJECT_TYPE,
                f"An object type is 1 to {MAX_OBJECT_TYPE} characters, e.g. `District`.",
                "objectType",
            )
        for name, moment in (("from", self.since), ("to", self.until)):
            if moment is not None and moment.tzinfo is None:
                problems.add(AuditErrorCode.INVALID_PERIOD, "Give the time with its zone.", name)
        if (
            self.since is not None
            and self.until is not None
            and self.since.tzinfo is not None
            and self.until.tzinfo is not None
            and self.since > self.until
        ):
            problems.add(AuditErrorCode.INVALID_PERIOD, "`from` is after `to`.", "from")
        problems.raise_if_any()
        return self


def require_admin(principal: Principal) -> None:
    principal.require_user()
    if not principal.is_admin:
        raise NotPermitted("The audit log is for administrators.")


def entries(principal: Principal, where: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries an administrator asked for, unordered (the caller pages or streams them)."""
    require_admin(principal)
    where = where.checked()
    query = AuditEntry.all()
    if where.object_type is not None:
        query = query.filter(object_type=where.object_type)
    if where.object_id is not None:
        query = query.filter(object_id=where.object_id)
    if where.actor_id is not None:
        query = query.filter(actor_id=where.actor_id)
    if where.since is not None:
        query = query.filter(created_at__gte=where.since)
    if where.until is not None:
        query = query.filter(created_at__lt=where.until)
    return query


EXPORT_FIELDS = (
    "id",
    "createdAt",
    "actorId",
    "actorLabel",
    "action",
    "objectType",
    "objectId",
    "before",
    "after",
    "requestId",
)


async def export_rows(
    query: QuerySet[AuditEntry], batch: int = EXPORT_BATCH
) -> AsyncIterator[AuditEntry]:
    """Every entry of `entries(...)` in id order, read `batch` at a time (memory stays
    bounded); the caller runs `entries` first, so that a refusal comes before any row."""
    after = 0
    while True:
        found = await query.filter(id__gt=after).order_by("id").limit(batch)
        for row in found:
            yield row
        if len(found) < batch:
            return
        after = found[-1].id
