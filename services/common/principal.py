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


WALL_ONLY = frozenset({Role.WALL_DISPLAY})


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

    @property
    def is_wall_screen(self) -> bool:
        """A wall screen's account: it reads what the wall shows and nothing else, and it
        never gains another role (its credential lives in a browser in a public room)."""
        return self.roles == WALL_ONLY and self.api_client_id is None

    def require_user(self) -> int:
        if self.user_id is None:
            raise NotAuthenticated()
        return self.user_id

    def refuse_wall_screen(self) -> None:
        """Whatever would give an account another role refuses a wall screen's."""
        if self.is_wall_screen:
            raise NotPermitted("A wall screen's account takes no other role.")

    def require_role(self, roles: Iterable[Role]) -> None:
        self.require_user()
        if not self.has_role(*roles):
            raise NotPermitted()


ANONYMOUS = Principal()
