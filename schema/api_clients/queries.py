from __future__ import annotations

import strawberry

from models.accounts import ApiClient
from schema.api_clients.types import ApiClientType, require_admin
from schema.core.context import Info
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, paginate


@strawberry.type
class Query:
    @strawberry.field(description="Registered third-party apps, oldest first. Administrators only.")
    async def api_clients(
        self, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[ApiClientType]:
        require_admin(info)
        return await paginate(ApiClient.all(), first, after, ApiClientType.from_model)
