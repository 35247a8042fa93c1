"""Changing a password, an administrator's reset, and signing out.

A password change or reset bumps the user's `token_version`, which revokes every token issued
before; a change hands the caller fresh tokens so that only this session carries on. A reset
sets a temporary password and `must_change_password`: signing in with it then yields only a
`password_change` token (services/accounts/__init__.py), whose one use is `change_password`.
Signing out revokes the session (`sid`) of a refresh token, so that neither it nor any token
refreshed from it works again; the access token in hand runs out on its own (TOKEN_TTL_SECONDS).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.accounts import RevokedSession, Role, User
from services import accounts, audit
from services.accounts import TokenPair, users
from services.accounts.errors import AccountErrorCode
from services.accounts.throttle import login_throttle
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from subscriptions.events import atomic

TEMPORARY_PASSWORD_BYTES = 12


async def _store_password(user: User, password: str, *, must_change: bool) -> User:
    """Sets the password and revokes every earlier token, in one statement so that concurrent
    changes cannot hand out tokens of the same version."""
    async with in_transaction():
        await User.filter(id=user.id).update(
            password_hash=accounts.hash_password(password),
            must_change_password=must_change,
            token_version=F("token_version") + 1,
        )
        return await User.get(id=user.id)


async def change_password(
    principal: Principal,
    old_password: str,
    new_password: str,
    password_change_token: str | None = None,
    address: str | None = None,
) -> TokenPair:
    """The signed-in user's (or, with a `password_change_token`, the holder's) new password,
    checked by the rules of sign-up. The old password is checked too, throttled like signing
    in: a stolen token alone does not let anyone lock the owner out."""
    if password_change_token is not None:
        user = await accounts.user_from_token(password_change_token, "password_change")
        if user is None:
            raise DomainError(
                AccountErrorCode.INVALID_TOKEN,
                "The password change token is invalid or expired; sign in again.",
                "passwordChangeToken",
            )
    else:
        user = await User.get_or_none(id=principal.require_user(), is_active=True)
        if user is None or user.must_change_password:
            raise DomainError(AccountErrorCode.INVALID_TOKEN, "Sign in again.")
    throttle = login_throttle()
    await throttle.admit(user.username, address, AccountErrorCode.TOO_MANY_ATTEMPTS)
    collector = Collector()
    if not accounts.verify_password(user.password_hash, old_password):
        await throttle.failed(address)
        collector.add(
            AccountErrorCode.INVALID_CREDENTIALS, "The current password is wrong.", "oldPassword"
        )
    else:
        await throttle.cleared(user.username)
    accounts.check_password_rules(user.username, new_password, collector, "newPassword")
    if new_password == old_password:
        collector.add(
            AccountErrorCode.WEAK_PASSWORD,
            "Choose a password different from the current one.",
            "newPassword",
        )
    collector.raise_if_any()
    return accounts.issue(await _store_password(user, new_password, must_change=False))


async def reset_password(
    principal: Principal, user_id: int, temporary_password: str | None = None
) -> tuple[User, str]:
    """ADMIN: a temporary password (the one given, or a random one) that must be changed at the
    next sign-in. Signs the user out everywhere (open WebSocket connections too) and lifts any
    sign-in throttle of the account; audited like every change an administrator makes."""
    principal.require_role([Role.ADMIN])
    actor = (await audit.Actor.of(principal)).user
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise DomainError(AccountErrorCode.USER_NOT_FOUND, "No such user.", "user")
    password = temporary_password or secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    collector = Collector()
    accounts.check_password_rules(user.username, password, collector, "temporaryPassword")
    collector.raise_if_any()
    async with atomic() as tx:
        before = audit.snapshot(user, users.AUDITED)
        user = await _store_password(user, password, must_change=True)
        await users.record_change(tx, "resetPassword", before, user, (actor, ""))
    await login_throttle().cleared(user.username)
    return user, password


async def logout(principal: Principal, refresh_token: str) -> User:
    """Revokes the session of `refresh_token`, which must be the signed-in user's own."""
    user_id = principal.require_user()
    claims = accounts.token_claims(refresh_token, "refresh")
    if claims is None or accounts.user_id_of(claims["sub"]) != user_id:
        raise DomainError(
            AccountErrorCode.INVALID_TOKEN,
            "Not a valid refresh token of the signed-in account.",
            "refreshToken",
        )
    sid = accounts.session_of(refresh_token, claims)
    now = datetime.now(UTC)
    async with in_transaction():
        # Rows outlive their purpose once every token of their session has expired.
        await RevokedSession.filter(expires_at__lt=now).delete()
        await RevokedSession.get_or_create(
            sid=sid,
            defaults={
                "user_id": user_id,
                "expires_at": datetime.fromtimestamp(int(claims["exp"]), UTC),
            },
        )
    return await User.get(id=user_id)
