"""Accounts: sign-up, sign-in with JWTs, and turning a bearer credential into a principal
(API keys themselves are managed in services/api_clients.py)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.accounts import Role, User
from services.api_clients import API_KEY_PREFIX as API_KEY_PREFIX
from services.api_clients import check_key, is_api_key
from services.api_clients import create_api_client as create_api_client
from services.common.errors import Collector, DomainError
from services.common.principal import ANONYMOUS, Principal
from settings import get_settings

_hasher = PasswordHasher()
# A hash of a random password: verifying against it when the user does not exist keeps the
# response time of "unknown user" equal to that of "wrong password".
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")


class AccountErrorCode(str, Enum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_USERNAME = "INVALID_USERNAME"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - an error code, not a password
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - an error code
    INVALID_ROLE = "INVALID_ROLE"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: User


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_new_credentials(username: str, password: str, collector: Collector) -> None:
    if not USERNAME_RE.match(username):
        collector.add(
            AccountErrorCode.INVALID_USERNAME,
            "Use 3-64 letters, digits, '.', '_' or '-'.",
            "username",
        )
    if len(password) < 8 or password.isdigit() or password.lower() == username.lower():
        collector.add(
            AccountErrorCode.WEAK_PASSWORD,
            "Use at least 8 characters, not only digits, and not the username.",
            "password",
        )


async def create_user(
    username: str, password: str, display_name: str = "", roles: list[Role] | None = None
) -> User:
    collector = Collector()
    _check_new_credentials(username, password, collector)
    collector.raise_if_any()
    try:
        async with in_transaction():
            return await User.create(
                username=username,
                password_hash=hash_password(password),
                display_name=display_name.strip() or username,
                roles=[r.value for r in (roles or [Role.RESIDENT])],
            )
    except IntegrityError as exc:
        raise DomainError(
            AccountErrorCode.USERNAME_TAKEN, "This username is already taken.", "username"
        ) from exc


def _issue(user: User) -> TokenPair:
    settings = get_settings()
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=settings.token_ttl_seconds)
    base: dict[str, Any] = {"sub": str(user.id), "ver": user.token_version, "iat": now}
    access = jwt.encode(
        {**base, "typ": "access", "roles": user.roles, "exp": expires_at},
        settings.secret_key,
        algorithm="HS256",
    )
    refresh = jwt.encode(
        {**base, "typ": "refresh", "exp": now + timedelta(seconds=settings.refresh_ttl_seconds)},
        settings.secret_key,
        algorithm="HS256",
    )
    return TokenPair(access, refresh, expires_at, user)


async def sign_up(username: str, password: str, display_name: str = "") -> TokenPair:
    """A resident account, signed in at once."""
    return _issue(await create_user(username, password, display_name))


async def login(username: str, password: str) -> TokenPair:
    user = await User.get_or_none(username=username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        raise DomainError(
            AccountErrorCode.INVALID_CREDENTIALS, "Unknown username or wrong password."
        )
    return _issue(user)


async def _user_from_token(token: str, expected_type: str) -> User | None:
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=["HS256"],
            options={"require": ["exp", "sub", "typ"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != expected_type:
        return None
    user = await User.get_or_none(id=int(claims["sub"]))
    if user is None or not user.is_active or user.token_version != claims.get("ver"):
        return None
    return user


async def refresh(refresh_token: str) -> TokenPair:
    user = await _user_from_token(refresh_token, "refresh")
    if user is None:
        raise DomainError(
            AccountErrorCode.INVALID_TOKEN, "The refresh token is invalid or expired.", "token"
        )
    return _issue(user)


def principal_for(user: User) -> Principal:
    return Principal(user_id=user.id, roles=frozenset(Role(r) for r in user.roles))


async def authenticate(credential: str | None) -> Principal | None:
    """Turns a bearer credential (user JWT or API key) into a principal. No credential is
    anonymous; a credential that is wrong, expired or revoked is `None`, which the caller
    answers with an authentication error rather than silently serving it as anonymous."""
    if not credential:
        return ANONYMOUS
    if is_api_key(credential):
        checked = await check_key(credential)
        return checked.principal if checked else None
    user = await _user_from_token(credential, "access")
    return principal_for(user) if user else None


async def add_role(user: User, role: Role) -> None:
    """Called inside the transaction of what grants the role, which the refusal rolls back."""
    principal_for(user).refuse_wall_screen()
    if role.value not in user.roles:
        user.roles = [*user.roles, role.value]
        await user.save(update_fields=["roles"])
