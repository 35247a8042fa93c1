"""Who is asking: a signed-in user, a third-party app, or nobody."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.accounts import Role
from services.common.errors import NotAuthenticated, NotPermitted


class Scope:
    """API-client scopes. A scope grants what the matching role would, to an application."""

    READ = "read"
    PERSONAL_DATA = "personal_data:read"
    WRITE = "write"
    DISPATCH = "dispatch"
    OPEN311_WRITE = "open311:write"
    EXPORT = "export"
    # Register webhooks and read their delivery logs (the app's own only).
    WEBHOOKS_MANAGE = "webhooks:manage"

    ALL = (READ, PERSONAL_DATA, WRITE, DISPATCH, OPEN311_WRITE, EXPORT, WEBHOOKS_MANAGE)


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    api_client_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.api_client_id is not None

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def require_user(self) -> int:
        if self.user_id is None:
            raise NotAuthenticated()
        return self.user_id

    def require_role(self, roles: Iterable[Role]) -> None:
        self.require_user()
        if not self.has_role(*roles):
            raise NotPermitted()


ANONYMOUS = Principal()
