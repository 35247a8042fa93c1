from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import User
from schema.accounts.types import AuthPayload, LogoutPayload, ResetPasswordPayload, UserType
from schema.core.context import Context, Info
from schema.core.errors import access_error, payload, problem, require_user
from schema.core.relay import decode_id
from services import accounts
from services.accounts import passwords
from services.accounts.errors import AccountErrorCode
from services.common.errors import NotPermitted


@strawberry.input(description="Credentials to sign in with.")
class LoginInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")


@strawberry.input(description="A new resident account.")
class SignUpInput:
    username: str = strawberry.field(description="3-64 letters, digits, '.', '_' or '-'.")
    password: str = strawberry.field(description="At least 8 characters, not only digits.")
    display_name: str = strawberry.field(default="", description="Name shown to others.")


@strawberry.input(description="A refresh token from `login`.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token.")


@strawberry.input(description="A new password for the signed-in account.")
class ChangePasswordInput:
    old_password: str = strawberry.field(description="The current (or temporary) password.")
    new_password: str = strawberry.field(
        description="At least 8 characters, not only digits, not the username, not the old one."
    )
    password_change_token: str | None = strawberry.field(
        default=None,
        description=(
            "After a password reset: the token `login` returned with PASSWORD_CHANGE_REQUIRED, "
            "instead of signing in."
        ),
    )


@strawberry.input(description="The session to end.")
class LogoutInput:
    refresh_token: str = strawberry.field(description="The refresh token of this session.")


@strawberry.input(description="A password reset by an administrator.")
class ResetPasswordInput:
    user: relay.GlobalID = strawberry.field(description="Whose password.")
    temporary_password: str | None = strawberry.field(
        default=None,
        description="The temporary password to set (sign-up rules); a random one when omitted.",
    )


def _address(context: Context) -> str | None:
    """The client's IP, as uvicorn reports it (the forwarded one behind a trusted proxy)."""
    return getattr(getattr(context.request, "client", None), "host", None)


def _signed_in(outcome: accounts.TokenPair | accounts.PasswordChange) -> AuthPayload:
    if isinstance(outcome, accounts.PasswordChange):
        required = problem(
            AccountErrorCode.PASSWORD_CHANGE_REQUIRED,
            "This password was set by an administrator: choose a new one with "
            "`changePassword` and `passwordChangeToken`.",
        )
        failed = AuthPayload.failed(required)
        failed.user = UserType.from_model(outcome.user)
        failed.password_change_token = outcome.token
        return failed
    return AuthPayload(
        token=outcome.access_token,
        refresh_token=outcome.refresh_token,
        expires_at=outcome.expires_at,
        user=UserType.from_model(outcome.user),
    )


def _signed_out(user: User) -> LogoutPayload:
    return LogoutPayload(user=UserType.from_model(user))


def _reset(outcome: tuple[User, str]) -> ResetPasswordPayload:
    return ResetPasswordPayload(user=UserType.from_model(outcome[0]), temporary_password=outcome[1])


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Sign in; returns an access token and a refresh token. Throttled per account and "
            "per client address (TOO_MANY_ATTEMPTS with `retryAfter`); after a password reset "
            "it returns PASSWORD_CHANGE_REQUIRED and a `passwordChangeToken` instead."
        )
    )
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        call = accounts.sign_in(input.username, input.password, _address(info.context))
        return await payload(AuthPayload, call, _signed_in)

    @strawberry.mutation(description="Create a resident account and sign in with it.")
    async def sign_up(self, input: SignUpInput) -> AuthPayload:
        call = accounts.sign_up(input.username, input.password, input.display_name)
        return await payload(AuthPayload, call, _signed_in)

    @strawberry.mutation(description="Exchange a refresh token for fresh tokens.")
    async def refresh_token(self, input: RefreshTokenInput) -> AuthPayload:
        return await payload(AuthPayload, accounts.refresh(input.refresh_token), _signed_in)

    @strawberry.mutation(
        description=(
            "Change the signed-in user's password (or, with `passwordChangeToken`, the one an "
            "administrator reset). Every token issued before stops working; the payload "
            "carries fresh ones for this session."
        )
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> AuthPayload:
        principal = info.context.principal
        if input.password_change_token is None:
            require_user(principal)
        call = passwords.change_password(
            principal,
            input.old_password,
            input.new_password,
            input.password_change_token,
            _address(info.context),
        )
        return await payload(AuthPayload, call, _signed_in)

    @strawberry.mutation(
        description=(
            "Sign out: the refresh token given, and any refreshed from it, stop working. The "
            "access token in hand runs out on its own."
        )
    )
    async def logout(self, info: Info, input: LogoutInput) -> LogoutPayload:
        principal = info.context.principal
        require_user(principal)
        call = passwords.logout(principal, input.refresh_token)
        return await payload(LogoutPayload, call, _signed_out)

    @strawberry.mutation(
        description=(
            "Set a temporary password that must be changed at the next sign-in, and sign the "
            "person out everywhere (ADMIN)."
        )
    )
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> ResetPasswordPayload:
        principal = info.context.principal
        require_user(principal)
        if not principal.is_admin:
            raise access_error(NotPermitted("Administrators only."))
        decoded = decode_id(input.user, "User")
        user_id = accounts.user_id_of(str(decoded)) if decoded is not None else None
        if user_id is None:
            return ResetPasswordPayload.failed(
                problem(AccountErrorCode.USER_NOT_FOUND, "No such user.", "user")
            )
        call = passwords.reset_password(principal, user_id, input.temporary_password)
        return await payload(ResetPasswordPayload, call, _reset)
