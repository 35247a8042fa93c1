"""Users administration for ADMIN: the `users` list, `createUser`, `disableUser` /
`enableUser` and `grantRole` / `revokeRole` (services/accounts/users.py)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role, User
from schema.accounts.types import AccountError, UserType
from schema.core.context import Info
from schema.core.errors import Payload, payload, payload_type, problem, query_input_error
from schema.core.permissions import requires
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, decode_id, paginate
from services import accounts
from services.accounts import users
from services.accounts.errors import AccountErrorCode
from services.common.errors import DomainError


@strawberry.input(description="Narrows the list of users; every given field must match.")
class UserFilter:
    role: Role | None = strawberry.field(default=None, description="Holding this role.")
    disabled: bool | None = strawberry.field(
        default=None, description="True: only disabled accounts; false: only active ones."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Part of the username or display name (1-64 characters, any case).",
    )


@strawberry.input(description="A new account, made by an administrator.")
class CreateUserInput:
    username: str = strawberry.field(description="3-64 letters, digits, '.', '_' or '-'.")
    display_name: str = strawberry.field(
        default="", description="Name shown to others (at most 64 characters); the username."
    )
    roles: list[Role] = strawberry.field(
        description="At least one; WALL_DISPLAY only alone (a screen's account)."
    )
    initial_password: str | None = strawberry.field(
        default=None,
        description="The first password (sign-up rules); a random one, returned once, when "
        "omitted. Either way it must be changed at the first sign-in.",
    )


@strawberry.input(description="The account to disable or enable.")
class UserInput:
    user: relay.GlobalID = strawberry.field(description="The User.")


@strawberry.input(description="A role to grant or revoke.")
class UserRoleInput:
    user: relay.GlobalID = strawberry.field(description="The User.")
    role: Role = strawberry.field(description="The role.")


@payload_type(description="The outcome of `createUser`.")
class CreateUserPayload(Payload[AccountError]):
    user: UserType | None = strawberry.field(default=None, description="The new account.")
    initial_password: str | None = strawberry.field(
        default=None,
        description="The generated first password, shown this once; null when one was given.",
    )


@payload_type(description="The account as a change to it left it.")
class UserPayload(Payload[AccountError]):
    user: UserType | None = strawberry.field(default=None, description="The account.")


def _user_id(global_id: relay.GlobalID) -> int | None:
    decoded = decode_id(global_id, "User")
    return accounts.user_id_of(str(decoded)) if decoded is not None else None


def _unknown() -> UserPayload:
    return UserPayload.failed(problem(AccountErrorCode.USER_NOT_FOUND, "No such user.", "user"))


def _created(outcome: tuple[User, str | None]) -> CreateUserPayload:
    return CreateUserPayload(user=UserType.from_model(outcome[0]), initial_password=outcome[1])


def _changed(user: User) -> UserPayload:
    return UserPayload(user=UserType.from_model(user))


@strawberry.type
class Query:
    @strawberry.field(
        description="Every account, oldest first, with filters. A bad search is a top-level "
        "error coded INVALID_SEARCH.",
        extensions=[requires(Role.ADMIN)],
    )
    async def users(
        self,
        info: Info,
        filter: UserFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[UserType]:
        where = users.UserFilter(filter.role, filter.disabled, filter.search) if filter else None
        try:
            query = users.users(info.context.principal, where or users.UserFilter())
        except DomainError as error:
            raise query_input_error(error) from error
        return await paginate(query, first, after, UserType.from_model)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create an account with the given roles; its first password must be "
        "changed at the first sign-in. Audited.",
        extensions=[requires(Role.ADMIN)],
    )
    async def create_user(self, info: Info, input: CreateUserInput) -> CreateUserPayload:
        call = users.create(
            info.context.principal,
            username=input.username,
            display_name=input.display_name,
            roles=input.roles,
            password=input.initial_password,
        )
        return await payload(CreateUserPayload, call, _created)

    @strawberry.mutation(
        description="Disable an account: it can no longer sign in or refresh, its sessions "
        "end and its open connections close. Not your own, not the last administrator. "
        "Audited.",
        extensions=[requires(Role.ADMIN)],
    )
    async def disable_user(self, info: Info, input: UserInput) -> UserPayload:
        user_id = _user_id(input.user)
        if user_id is None:
            return _unknown()
        return await payload(UserPayload, users.disable(info.context.principal, user_id), _changed)

    @strawberry.mutation(
        description="Enable a disabled account again; the person signs in anew. Audited.",
        extensions=[requires(Role.ADMIN)],
    )
    async def enable_user(self, info: Info, input: UserInput) -> UserPayload:
        user_id = _user_id(input.user)
        if user_id is None:
            return _unknown()
        return await payload(UserPayload, users.enable(info.context.principal, user_id), _changed)

    @strawberry.mutation(
        description="Grant a role (a wall screen's account takes none; WALL_DISPLAY is not "
        "granted). Audited.",
        extensions=[requires(Role.ADMIN)],
    )
    async def grant_role(self, info: Info, input: UserRoleInput) -> UserPayload:
        user_id = _user_id(input.user)
        if user_id is None:
            return _unknown()
        call = users.grant_role(info.context.principal, user_id, input.role)
        return await payload(UserPayload, call, _changed)

    @strawberry.mutation(
        description="Revoke a role, at once on open connections too (they close). Not your "
        "own ADMIN, not the last administrator's, not an account's last role. Audited.",
        extensions=[requires(Role.ADMIN)],
    )
    async def revoke_role(self, info: Info, input: UserRoleInput) -> UserPayload:
        user_id = _user_id(input.user)
        if user_id is None:
            return _unknown()
        call = users.revoke_role(info.context.principal, user_id, input.role)
        return await payload(UserPayload, call, _changed)
