from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from models.accounts import Role, User
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from services.accounts.errors import AccountErrorCode
from services.accounts.throttle import ThrottledProblem
from services.common import lookups
from services.common.errors import Problem
from services.volunteers import lookups as volunteer_lookups

if TYPE_CHECKING:
    from schema.volunteers.types import VolunteerType

strawberry.enum(Role, description="What a signed-in person may do.")
strawberry.enum(AccountErrorCode, description="Why an account call failed.")


@strawberry.type(name="User", description="A person who signs in.")
class UserType(relay.Node):
    id: relay.NodeID[int]
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Name shown to others.")
    roles: list[Role] = strawberry.field(description="Granted roles.")
    created_at: datetime = strawberry.field(description="When the account was made.")
    disabled: bool = strawberry.field(
        description="Disabled by an administrator: it cannot sign in until enabled again."
    )
    must_change_password: bool = strawberry.field(
        description="Its password was set by an administrator and must be changed at the "
        "next sign-in."
    )

    @classmethod
    def from_model(cls, row: User) -> UserType:
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            roles=[Role(r) for r in row.roles],
            created_at=row.created_at,
            disabled=not row.is_active,
            must_change_password=row.must_change_password,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # Accounts are visible to their owner and to administrators only.
        principal = info.context.principal
        rows = await lookups.by_ids(User, database_ids(node_ids))
        return [
            cls.from_model(r) if r and (principal.is_admin or principal.user_id == r.id) else None
            for r in rows
        ]

    @strawberry.field(description="The volunteer record of this person, if registered.")
    async def volunteer(
        self, info: Info
    ) -> Annotated[VolunteerType, strawberry.lazy("schema.volunteers.types")] | None:
        from schema.volunteers.types import VolunteerType

        row = await volunteer_lookups.volunteer_of_user(self.id)
        return VolunteerType.from_model(row) if row else None


@strawberry.type(description="A problem with an account request.")
class AccountError(DomainErrorType[AccountErrorCode]):
    retry_after: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS: seconds until another attempt is allowed.",
    )

    @classmethod
    def listed(cls, problems: Sequence[Problem]) -> list[Self]:
        return [
            cls(
                code=AccountErrorCode(p.code),
                message=p.message,
                field=p.field,
                retry_after=p.retry_after if isinstance(p, ThrottledProblem) else None,
            )
            for p in problems
        ]


@payload_type(description="Tokens for a signed-in session, or why none were issued.")
class AuthPayload(Payload[AccountError]):
    token: str | None = strawberry.field(
        default=None, description="Access token for `Authorization: Bearer` and `connection_init`."
    )
    refresh_token: str | None = strawberry.field(
        default=None,
        description="Exchange it for a new token with `refreshToken` before it expires.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When `token` stops working."
    )
    user: UserType | None = strawberry.field(default=None, description="Who signed in.")
    password_change_token: str | None = strawberry.field(
        default=None,
        description=(
            "With PASSWORD_CHANGE_REQUIRED (a password reset by an administrator): pass it to "
            "`changePassword` within 15 minutes; it is good for nothing else."
        ),
    )


@payload_type(description="The outcome of `logout`.")
class LogoutPayload(Payload[AccountError]):
    user: UserType | None = strawberry.field(
        default=None, description="Who signed out; null on errors."
    )


@payload_type(description="The outcome of `resetPassword`.")
class ResetPasswordPayload(Payload[AccountError]):
    user: UserType | None = strawberry.field(default=None, description="Whose password was reset.")
    temporary_password: str | None = strawberry.field(
        default=None,
        description="The password to hand over; it must be changed at the next sign-in.",
    )
