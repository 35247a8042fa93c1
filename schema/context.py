"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from schema.loaders import Loaders
from services.principal import ANONYMOUS, Principal


@dataclass
class Context:
    principal: Principal = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None

    async def admin_organization_ids(self) -> set[int]:
        user_id = self.principal.user_id
        return await self.loaders.admin_organizations.load(user_id) if user_id else set()


Info = StrawberryInfo[Context, None]
