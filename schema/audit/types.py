from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
import strawberry
from strawberry import relay

from models.audit import AuditEntry
from schema.accounts.loaders import USER
from schema.accounts.types import UserType
from schema.core.context import Info
from schema.core.relay import load_nodes


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


@strawberry.type(description="One field of an object as an administrative change left it.")
class AuditChange:
    field: str = strawberry.field(description="The field's name in the service's terms.")
    before: str | None = strawberry.field(
        description='Its value before, as JSON text (`"Huicheng"`, `true`, `"12.50"`); '
        "null when the object did not exist yet."
    )
    after: str | None = strawberry.field(
        description="Its value after, as JSON text; null when the object was deleted."
    )


def changes_of(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[AuditChange]:
    """The fields whose value differs, by name (PostgreSQL's jsonb keeps no key order); every
    field for a creation or a deletion."""
    old, new = before or {}, after or {}
    names = sorted({*old, *new})
    return [
        AuditChange(
            field=name,
            before=_json(old[name]) if before is not None and name in old else None,
            after=_json(new[name]) if after is not None and name in new else None,
        )
        for name in names
        if before is None or after is None or old.get(name) != new.get(name)
    ]


@strawberry.type(
    name="AuditEntry",
    description="One administrative change: who made it, when, to what, before → after.",
)
class AuditEntryType(relay.Node):
    id: relay.NodeID[int]
    action: str = strawberry.field(description="What was done, e.g. `updateDispatchCenter`.")
    object_type: str = strawberry.field(description="The changed object's type, e.g. `District`.")
    object_id: relay.GlobalID = strawberry.field(
        description="The changed object's ID (for `node(id:)` while it exists)."
    )
    actor_label: str = strawberry.field(
        description="Who made the change in words: a username, or `cli:<login>` at the "
        "command line. Kept when the account is gone."
    )
    request_id: str | None = strawberry.field(
        description="The request's id (X-Request-ID), to find its log lines; null at the CLI."
    )
    created_at: datetime = strawberry.field(description="When the change was committed.")
    before_json: str | None = strawberry.field(
        description="The object's recorded fields before, as a JSON object; null on creation."
    )
    after_json: str | None = strawberry.field(
        description="The object's recorded fields after, as a JSON object; null on deletion."
    )
    changes: list[AuditChange] = strawberry.field(
        description="The fields that changed, each before → after."
    )
    actor_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: AuditEntry) -> AuditEntryType:
        return cls(
            id=row.id,
            action=row.action,
            object_type=row.object_type,
            object_id=relay.GlobalID(row.object_type, str(row.object_id)),
            actor_label=row.actor_label,
            request_id=row.request_id or None,
            created_at=row.created_at,
            before_json=_json(row.before),
            after_json=_json(row.after),
            changes=changes_of(row.before, row.after),
            actor_id=row.actor_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        visible = info.context.principal.is_admin
        return await load_nodes(AuditEntry, node_ids, cls.from_model, visible=visible)

    @strawberry.field(description="The account that made the change; null at the CLI.")
    async def actor(self, info: Info) -> UserType | None:
        if self.actor_id is None:
            return None
        row = await USER.load(info, self.actor_id)
        return UserType.from_model(row) if row else None
