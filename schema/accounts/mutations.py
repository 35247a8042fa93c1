from __future__ import annotations

import strawberry

from schema.accounts.types import AccountError, AuthPayload, UserType
from schema.core.errors import attempt
from services import accounts
from services.common.errors import Problem


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


def _payload(pair: accounts.TokenPair | None, problems: list[Problem]) -> AuthPayload:
    return AuthPayload(
        token=pair.access_token if pair else None,
        refresh_token=pair.refresh_token if pair else None,
        expires_at=pair.expires_at if pair else None,
        user=UserType.from_model(pair.user) if pair else None,
        errors=[AccountError(code=p.code, message=p.message, field=p.field) for p in problems],
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in; returns an access token and a refresh token.")
    async def login(self, input: LoginInput) -> AuthPayload:
        return _payload(*await attempt(accounts.login(input.username, input.password)))

    @strawberry.mutation(description="Create a resident account and sign in with it.")
    async def sign_up(self, input: SignUpInput) -> AuthPayload:
        return _payload(
            *await attempt(accounts.sign_up(input.username, input.password, input.display_name))
        )

    @strawberry.mutation(description="Exchange a refresh token for fresh tokens.")
    async def refresh_token(self, input: RefreshTokenInput) -> AuthPayload:
        return _payload(*await attempt(accounts.refresh(input.refresh_token)))
