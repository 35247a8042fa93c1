from __future__ import annotations

import strawberry

from models.accounts import User
from schema.accounts.types import UserType
from schema.core.context import Info
from services.common import lookups


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in person; null when anonymous.")
    async def me(self, info: Info) -> UserType | None:
        user_id = info.context.principal.user_id
        if user_id is None:
            return None
        [row] = await lookups.by_ids(User, [user_id])
        return UserType.from_model(row) if row else None
