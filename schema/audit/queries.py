from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models.accounts import Role
from schema.audit.types import AuditEntryType
from schema.core.context import Info
from schema.core.errors import query_input_error
from schema.core.permissions import requires
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, database_id, paginate
from services import audit
from services.audit.errors import AuditErrorCode
from services.common.errors import Collector, DomainError


@strawberry.input(description="Narrows the audit log; every given field must match.")
class AuditLogFilter:
    object_type: str | None = strawberry.field(
        default=None, description="The changed object's type, e.g. `DispatchCenter`."
    )
    object_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The changed object's ID (implies its type)."
    )
    actor: relay.GlobalID | None = strawberry.field(
        default=None, description="The User who made the changes."
    )
    since: datetime | None = strawberry.field(
        default=None, name="from", description="Changes at or after this time."
    )
    until: datetime | None = strawberry.field(
        default=None, name="to", description="Changes before this time."
    )

    def criteria(self) -> audit.AuditFilter:
        """The service's filter; an ID that cannot name a row is a coded error, not an empty
        page, so that a typo is not mistaken for "nobody changed it"."""
        problems = Collector()
        object_type, object_id, actor_id = self.object_type, None, None
        if self.object_id is not None:
            object_id = database_id(self.object_id.node_id)
            if object_id is None or (object_type not in (None, self.object_id.type_name)):
                problems.add(
                    AuditErrorCode.INVALID_OBJECT_ID,
                    "Not the ID of an object of the given type.",
                    "objectId",
                )
            object_type = self.object_id.type_name
        if self.actor is not None:
            actor_id = database_id(self.actor.node_id)
            if actor_id is None or self.actor.type_name != "User":
                problems.add(AuditErrorCode.INVALID_ACTOR, "Not a User ID.", "actor")
        problems.raise_if_any()
        return audit.AuditFilter(object_type, object_id, actor_id, self.since, self.until)


@strawberry.type
class Query:
    @strawberry.field(
        description="Every administrative change, oldest first: who, when, what, before → "
        "after. Bad filters are top-level errors coded INVALID_PERIOD, INVALID_OBJECT_TYPE, "
        "INVALID_OBJECT_ID or INVALID_ACTOR. The same filter exports as CSV at "
        "`/exports/audit-log.csv`.",
        extensions=[requires(Role.ADMIN)],
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[AuditEntryType]:
        try:
            criteria = filter.criteria() if filter else audit.AuditFilter()
            query = audit.entries(info.context.principal, criteria)
        except DomainError as error:
            raise query_input_error(error) from error
        return await paginate(query, first, after, AuditEntryType.from_model)
