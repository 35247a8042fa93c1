"""The typed context every resolver receives."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from schema.core.loaders import Loader, Loaders
from services.common.principal import ANONYMOUS, Principal
from services.organizations import lookups as organizations
from subscriptions.hub import EventHub

# The viewer's own relationships, which decide what they may see in every domain.
ADMIN_ORGANIZATIONS = Loader(organizations.admin_organization_ids_of_users)


@dataclass(frozen=True)
class Audience:
    """Everything about a principal that can change what a subscription event looks like to
    them. Subscribers with equal keys (and equal documents) share one execution per event,
    run as `principal`: a stand-in that sees exactly what every member of the audience may."""

    key: Hashable
    principal: Principal


@dataclass
class Context:
    principal: Principal = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None
    # The process's event hub, for subscriptions; `None` where nothing subscribes.
    hub: EventHub | None = None
    # The `connection_init` payload of a WebSocket connection (strawberry fills it in).
    connection_params: Any = None
    # Who this connection's subscriptions share executions with (see
    # schema/fanout/execution.py); set when its first subscription starts.
    audience: Audience | None = None

    async def admin_organization_ids(self) -> set[int]:
        user_id = self.principal.user_id
        return await self.loaders.get(ADMIN_ORGANIZATIONS).load(user_id) if user_id else set()


Info = StrawberryInfo[Context, None]
