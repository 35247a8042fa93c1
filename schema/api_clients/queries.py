from __future__ import annotations

import strawberry

from models.accounts import ApiClient, Role
from schema.api_clients.types import ApiClientType
from schema.core.context import Info
from schema.core.permissions import requires
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, paginate


@strawberry.type
class Query:
    @strawberry.field(
        description="Registered third-party apps, oldest first.", extensions=[requires(Role.ADMIN)]
    )
    async def api_clients(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[ApiClientType]:
        return await paginate(ApiClient.all(), first, after, ApiClientType.from_model)
