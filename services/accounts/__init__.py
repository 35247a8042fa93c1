"""Accounts: sign-up, sign-in with JWTs, and turning a bearer credential into a principal
(API keys themselves are managed in services/api_clients/; password changes, resets and
sign-out in services/accounts/passwords.py; sign-in throttling in services/accounts/throttle.py).

Every token names its user (`sub`, a positive database id), the user's `token_version` at
issue (`ver`: bumping it revokes them all) and its type (`typ`). Access and refresh tokens of
one sign-in share a session id (`sid`), so that signing out revokes the session's refresh
tokens. A `password_change` token is what signing in with a temporary password yields: it is
accepted by `changePassword` and nothing else."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.accounts import RevokedSession, Role, User
from services.accounts.errors import AccountErrorCode
from services.accounts.throttle import login_throttle
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
# A user id as tokens carry it: positive, and within PostgreSQL's int4 (the narrower database).
SUBJECT_RE = re.compile(r"^[1-9][0-9]{0,9}$")
MAX_USER_ID = 2**31 - 1
# How long the token of a sign-in with a temporary password lets its holder pick a new one.
PASSWORD_CHANGE_TTL_SECONDS = 15 * 60


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: User


@dataclass(frozen=True)
class PasswordChange:
    """A sign-in with a temporary password: no session yet, only a token that `changePassword`
    accepts (and nothing else does)."""

    token: str
    expires_at: datetime
    user: User


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks a password; with no hash (no such user) it costs the same and is False."""
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def check_password_rules(
    username: str, password: str, collector: Collector, field: str = "password"
) -> None:
    """The rules of sign-up, for every new password (sign-up, change, reset)."""
    if len(password) < 8 or password.isdigit() or password.lower() == username.lower():
        collector.add(
            AccountErrorCode.WEAK_PASSWORD,
            "Use at least 8 characters, not only digits, and not the username.",
            field,
        )


def _check_new_credentials(username: str, password: str, collector: Collector) -> None:
    if not USERNAME_RE.match(username):
        collector.add(
            AccountErrorCode.INVALID_USERNAME,
            "Use 3-64 letters, digits, '.', '_' or '-'.",
            "username",
        )
    check_password_rules(username, password, collector)


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


def issue(user: User, sid: str | None = None) -> TokenPair:
    """Tokens for `user`, in session `sid` (a new session without one)."""
    settings = get_settings()
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=settings.token_ttl_seconds)
    base: dict[str, Any] = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "sid": sid or secrets.token_hex(16),
    }
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


def _password_change_token(user: User) -> PasswordChange:
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=PASSWORD_CHANGE_TTL_SECONDS)
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "iat": now,
        "typ": "password_change",
        "exp": expires_at,
    }
    return PasswordChange(
        jwt.encode(claims, get_settings().secret_key, algorithm="HS256"), expires_at, user
    )


async def sign_up(username: str, password: str, display_name: str = "") -> TokenPair:
    """A resident account, signed in at once."""
    return issue(await create_user(username, password, display_name))


async def sign_in(
    username: str, password: str, address: str | None = None
) -> TokenPair | PasswordChange:
    """Signs in, throttled per account and per client `address` (services/accounts/throttle.py):
    once throttled, the password is not even checked. An account whose password was reset
    gets a `PasswordChange` instead of a session."""
    throttle = login_throttle()
    await throttle.admit(username, address, AccountErrorCode.TOO_MANY_ATTEMPTS)
    user = await User.get_or_none(username=username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        await throttle.failed(address)
        raise DomainError(
            AccountErrorCode.INVALID_CREDENTIALS, "Unknown username or wrong password."
        )
    await throttle.cleared(username)
    if user.must_change_password:
        return _password_change_token(user)
    return issue(user)


async def login(username: str, password: str, address: str | None = None) -> TokenPair:
    """`sign_in` for callers that need a session (the CLI, tests): a pending password change
    is an error here."""
    signed_in = await sign_in(username, password, address)
    if isinstance(signed_in, PasswordChange):
        raise DomainError(
            AccountErrorCode.PASSWORD_CHANGE_REQUIRED,
            "Choose a new password with `changePassword` first.",
        )
    return signed_in


def user_id_of(subject: object) -> int | None:
    """The user id a token's `sub` names, or None when it names none: anything but a decimal
    string of a positive id in the database's range ("abc", "-1", "1.5", 2**70)."""
    if not isinstance(subject, str) or not SUBJECT_RE.match(subject):
        return None
    user_id = int(subject)
    return user_id if user_id <= MAX_USER_ID else None


def token_claims(
    token: str, expected_type: str, *, verify_exp: bool = True
) -> dict[str, Any] | None:
    """The claims of a token we signed, of the expected type, naming a possible user id."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=["HS256"],
            options={"require": ["exp", "sub", "typ"], "verify_exp": verify_exp},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != expected_type or user_id_of(claims.get("sub")) is None:
        return None
    return claims


async def user_from_token(
    token: str, expected_type: str, *, verify_exp: bool = True
) -> User | None:
    """The active user a valid, unrevoked token of `expected_type` belongs to. While a
    password change is pending, only `password_change` tokens are honoured."""
    claims = token_claims(token, expected_type, verify_exp=verify_exp)
    if claims is None:
        return None
    user = await User.get_or_none(id=user_id_of(claims["sub"]))
    if user is None or not user.is_active or user.token_version != claims.get("ver"):
        return None
    if user.must_change_password != (expected_type == "password_change"):
        return None
    return user


def session_of(refresh_token: str, claims: dict[str, Any]) -> str:
    """The session a refresh token belongs to. Tokens without a `sid` (issued before sessions
    existed, and the wall screens' long-lived credentials) are each a session of their own,
    named by their hash, which the tokens refreshed from them carry on."""
    sid = claims.get("sid")
    if isinstance(sid, str) and 0 < len(sid) <= 32:
        return sid
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


async def refresh(refresh_token: str) -> TokenPair:
    claims = token_claims(refresh_token, "refresh")
    sid = session_of(refresh_token, claims) if claims else None
    user = await user_from_token(refresh_token, "refresh") if sid else None
    if user is None or await RevokedSession.exists(sid=sid):
        raise DomainError(
            AccountErrorCode.INVALID_TOKEN, "The refresh token is invalid or expired.", "token"
        )
    return issue(user, sid)


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
    user = await user_from_token(credential, "access")
    return principal_for(user) if user else None


async def connection_principal(credential: str) -> Principal | None:
    """The principal of the account whose access token opened a WebSocket connection, as it
    is now; None once the account is disabled or the token revoked. The token's expiry does
    not count: a connection authenticates when it opens (a wall screen's stays open for
    days), and what an administrator takes away is what ends it."""
    user = await user_from_token(credential, "access", verify_exp=False)
    return principal_for(user) if user else None


async def add_role(user: User, role: Role) -> None:
    """Called inside the transaction of what grants the role, which the refusal rolls back."""
    principal_for(user).refuse_wall_screen()
    if role.value not in user.roles:
        user.roles = [*user.roles, role.value]
        await user.save(update_fields=["roles"])
