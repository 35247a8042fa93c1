"""Users administration: listing, creating, disabling and re-enabling accounts, granting and
revoking roles. ADMIN only (or the operator at the command line, `by=None`), and every change
is written to the audit log, before → after, in the transaction that makes it.

A change that can take something away from an open connection (disabling, a role granted or
revoked, a password reset) is also an event under the user's topic, in the same transaction:
every API process hears of it and re-checks that user's WebSocket connections at once
(api/auth.py), as it does for a revoked API key. Disabling bumps `token_version`, which ends
every session of the account (access and refresh tokens alike); re-enabling does not bring
them back: the person signs in again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, RawSQL
from tortoise.queryset import QuerySet

from models.accounts import Role, User
from services import accounts, audit
from services.accounts.errors import AccountErrorCode
from services.common.errors import Collector, DomainError, NotAuthenticated, NotPermitted
from services.common.principal import Principal
from subscriptions.events import EventTransaction, atomic

USER_CHANGED = "USER_CHANGED"
OBJECT_TYPE = "User"
AUDITED = ("username", "display_name", "roles", "is_active", "must_change_password")
MAX_DISPLAY_NAME = 64
MAX_SEARCH = 64
GENERATED_PASSWORD_BYTES = 12


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def require_admin(by: Principal) -> None:
    if not by.is_authenticated:
        raise NotAuthenticated()
    if by.user_id is None or not by.is_admin:
        raise NotPermitted("Administrators only.")


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    disabled: bool | None = None
    search: str | None = None

    def checked(self) -> UserFilter:
        if self.search is not None and not 1 <= len(self.search.strip()) <= MAX_SEARCH:
            raise DomainError(
                AccountErrorCode.INVALID_SEARCH,
                f"Search for 1 to {MAX_SEARCH} characters of a username or display name.",
                "search",
            )
        return self


def with_role(query: QuerySet[User], role: Role) -> QuerySet[User]:
    """Users holding `role`. `roles` is a JSON list; its text form (SQLite's TEXT, PostgreSQL's
    jsonb cast to text) holds each role in double quotes, and no role name ends another
    ("ADMIN" is not the tail of "ORG_ADMIN" once the opening quote is part of the pattern)."""
    return query.annotate(roles_text=RawSQL("CAST(roles AS TEXT)")).filter(
        roles_text__contains=f'"{role.value}"'
    )


def users(by: Principal | None, where: UserFilter) -> QuerySet[User]:
    """The accounts an administrator (or the operator, `by=None`) asked for, unordered (the
    caller pages them)."""
    if by is not None:
        require_admin(by)
    where = where.checked()
    query = User.all()
    if where.role is not None:
        query = with_role(query, where.role)
    if where.disabled is not None:
        query = query.filter(is_active=not where.disabled)
    if where.search is not None:
        text = where.search.strip()
        query = query.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    return query


async def _actor(by: Principal | None, actor_label: str) -> tuple[User | None, str]:
    if by is None:
        return None, actor_label or "cli"
    require_admin(by)
    return (await audit.Actor.of(by)).user, actor_label


def _not_found() -> DomainError:
    return DomainError(AccountErrorCode.USER_NOT_FOUND, "No such user.", "user")


async def find(name: str) -> User:
    """The account a command line names: by username, or by id."""
    user = await User.get_or_none(username=name)
    if user is None and name.isascii() and name.isdigit():
        user_id = accounts.user_id_of(name)
        user = await User.get_or_none(id=user_id) if user_id is not None else None
    if user is None:
        raise _not_found()
    return user


# FOR NO KEY UPDATE: the audit entry of a change made by the locked account's holder (an
# administrator changing an administrator) references the row with a KEY SHARE lock, which a
# plain FOR UPDATE would make two such changes wait on each other for.
async def _locked(user_id: int) -> User:
    user = await User.filter(id=user_id).select_for_update(no_key=True).first()
    if user is None:
        raise _not_found()
    return user


async def _active_admins() -> list[int]:
    """The active administrators, locked in id order (on PostgreSQL) before anything else the
    change locks: two changes that could each remove an administrator then run one after the
    other, so that they cannot each count on the other's administrator remaining."""
    admins = with_role(User.filter(is_active=True), Role.ADMIN).order_by("id")
    return [row.id for row in await admins.select_for_update(no_key=True)]


def _refuse_last_admin(user: User, admins: list[int], field: str) -> None:
    if user.id in admins and not any(other != user.id for other in admins):
        raise DomainError(
            AccountErrorCode.LAST_ADMIN,
            "This is the last active administrator; make another one first.",
            field,
        )


async def record_change(
    tx: EventTransaction,
    action: str,
    before: dict[str, Any] | None,
    user: User,
    actor: tuple[User | None, str],
    *,
    announce: bool = True,
) -> None:
    """The audit entry of a change to `user` (`actor`: the person and/or the label), and with
    `announce` the event that makes open connections check the account again."""
    await audit.record(
        actor=actor[0],
        actor_label=actor[1],
        action=action,
        object_type=OBJECT_TYPE,
        object_id=user.id,
        before=before,
        after=audit.snapshot(user, AUDITED),
    )
    if announce:
        tx.record(USER_CHANGED, [user_topic(user.id)], {"userId": user.id, "change": action})


def _check_roles(roles: list[Role], collector: Collector) -> None:
    if not roles:
        collector.add(AccountErrorCode.INVALID_ROLE, "Give at least one role.", "roles")
    elif Role.WALL_DISPLAY in roles and len(set(roles)) > 1:
        collector.add(
            AccountErrorCode.WALL_ACCOUNT,
            "A wall screen's account has WALL_DISPLAY and no other role.",
            "roles",
        )


async def create(
    by: Principal | None,
    *,
    username: str,
    display_name: str,
    roles: list[Role],
    password: str | None = None,
    actor_label: str = "",
) -> tuple[User, str | None]:
    """A new account that must choose its own password at its first sign-in. Without a
    `password`, a random one is generated and returned (the only time anyone sees it)."""
    actor = await _actor(by, actor_label)
    generated = None if password else secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    initial = password or generated or ""
    name = display_name.strip() or username
    collector = Collector()
    if not accounts.USERNAME_RE.match(username):
        collector.add(
            AccountErrorCode.INVALID_USERNAME,
            "Use 3-64 letters, digits, '.', '_' or '-'.",
            "username",
        )
    accounts.check_password_rules(username, initial, collector, "initialPassword")
    if len(name) > MAX_DISPLAY_NAME:
        collector.add(
            AccountErrorCode.INVALID_DISPLAY_NAME,
            f"A display name has at most {MAX_DISPLAY_NAME} characters.",
            "displayName",
        )
    _check_roles(roles, collector)
    collector.raise_if_any()
    try:
        async with atomic() as tx:
            user = await User.create(
                username=username,
                password_hash=accounts.hash_password(initial),
                display_name=name,
                roles=[r.value for r in dict.fromkeys(roles)],
                must_change_password=True,
            )
            await record_change(tx, "createUser", None, user, actor, announce=False)
    except IntegrityError as exc:
        raise DomainError(
            AccountErrorCode.USERNAME_TAKEN, "This username is already taken.", "username"
        ) from exc
    return user, generated


async def disable(by: Principal | None, user_id: int, actor_label: str = "") -> User:
    """The account can no longer sign in or refresh, and its open sessions end. Disabling a
    disabled account changes nothing."""
    actor = await _actor(by, actor_label)
    async with atomic() as tx:
        admins = await _active_admins()
        user = await _locked(user_id)
        if not user.is_active:
            return user
        if by is not None and by.user_id == user.id:
            raise DomainError(
                AccountErrorCode.OWN_ACCOUNT,
                "You cannot disable your own account; another administrator can.",
                "user",
            )
        _refuse_last_admin(user, admins, "user")
        before = audit.snapshot(user, AUDITED)
        await User.filter(id=user.id).update(is_active=False, token_version=F("token_version") + 1)
        await user.refresh_from_db()
        await record_change(tx, "disableUser", before, user, actor)
    return user


async def enable(by: Principal | None, user_id: int, actor_label: str = "") -> User:
    """The account may sign in again (with a new sign-in: its old sessions stay ended).
    Enabling an active account changes nothing."""
    actor = await _actor(by, actor_label)
    async with atomic() as tx:
        user = await _locked(user_id)
        if user.is_active:
            return user
        before = audit.snapshot(user, AUDITED)
        user.is_active = True
        await user.save(update_fields=["is_active"])
        await record_change(tx, "enableUser", before, user, actor)
    return user


async def grant_role(by: Principal | None, user_id: int, role: Role, actor_label: str = "") -> User:
    """Adds `role`; a wall screen's account never gains one (its credential lives in a browser
    in a public room), and WALL_DISPLAY is not granted to a person's account (a screen gets
    its own with `create-wall-token`). Granting a role held changes nothing."""
    actor = await _actor(by, actor_label)
    async with atomic() as tx:
        user = await _locked(user_id)
        if user.roles == [Role.WALL_DISPLAY.value] or role is Role.WALL_DISPLAY:
            raise DomainError(
                AccountErrorCode.WALL_ACCOUNT,
                "A wall screen's account has WALL_DISPLAY and no other role; screens get "
                "their own account with `create-wall-token`.",
                "role",
            )
        if role.value in user.roles:
            return user
        before = audit.snapshot(user, AUDITED)
        user.roles = [*user.roles, role.value]
        await user.save(update_fields=["roles"])
        await record_change(tx, "grantRole", before, user, actor)
    return user


async def revoke_role(
    by: Principal | None, user_id: int, role: Role, actor_label: str = ""
) -> User:
    """Takes `role` away, at once on open connections too. An administrator cannot take their
    own ADMIN role, nor the last active administrator's; an account keeps one role at least
    (disable it instead). Revoking a role not held changes nothing."""
    actor = await _actor(by, actor_label)
    async with atomic() as tx:
        admins = await _active_admins() if role is Role.ADMIN else []
        user = await _locked(user_id)
        if role.value not in user.roles:
            return user
        if role is Role.ADMIN and by is not None and by.user_id == user.id:
            raise DomainError(
                AccountErrorCode.OWN_ACCOUNT,
                "You cannot revoke your own ADMIN role; another administrator can.",
                "role",
            )
        if role is Role.ADMIN:
            _refuse_last_admin(user, admins, "role")
        if user.roles == [role.value]:
            raise DomainError(
                AccountErrorCode.LAST_ROLE,
                "An account keeps at least one role; disable it instead.",
                "role",
            )
        before = audit.snapshot(user, AUDITED)
        user.roles = [r for r in user.roles if r != role.value]
        await user.save(update_fields=["roles"])
        await record_change(tx, "revokeRole", before, user, actor)
    return user
