from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.imports.types import ImportJobType
from services import imports
from services.common.errors import AccessError


@strawberry.type
class Query:
    @strawberry.field(
        description="An import job and its progress; null when there is none.",
        extensions=[requires(Role.ADMIN)],
    )
    async def import_job(self, info: Info, id: relay.GlobalID) -> ImportJobType | None:
        pk = decode_id(id, "ImportJob")
        if pk is None:
            return None
        try:
            job = await imports.get_job(info.context.principal, pk)
        except AccessError as error:
            raise access_error(error) from error
        return ImportJobType.from_model(job) if job else None
