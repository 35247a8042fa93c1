from __future__ import annotations

import strawberry

from schema.accounts.types import AuthPayload, UserType
from schema.core.errors import payload
from services import accounts


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


def _signed_in(pair: accounts.TokenPair) -> AuthPayload:
    return AuthPayload(
        token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_at=pair.expires_at,
        user=UserType.from_model(pair.user),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in; returns an access token and a refresh token.")
    async def login(self, input: LoginInput) -> AuthPayload:
        return await payload(
            AuthPayload, accounts.login(input.username, input.password), _signed_in
        )

    @strawberry.mutation(description="Create a resident account and sign in with it.")
    async def sign_up(self, input: SignUpInput) -> AuthPayload:
        call = accounts.sign_up(input.username, input.password, input.display_name)
        return await payload(AuthPayload, call, _signed_in)

    @strawberry.mutation(description="Exchange a refresh token for fresh tokens.")
    async def refresh_token(self, input: RefreshTokenInput) -> AuthPayload:
        return await payload(AuthPayload, accounts.refresh(input.refresh_token), _signed_in)
