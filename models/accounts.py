"""Sign-in identities: people (`User`) and third-party applications (`ApiClient`)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Role(str, Enum):
    RESIDENT = "RESIDENT"
    VOLUNTEER = "VOLUNTEER"
    ORG_ADMIN = "ORG_ADMIN"
    DISPATCHER = "DISPATCHER"
    WALL_DISPLAY = "WALL_DISPLAY"
    ADMIN = "ADMIN"


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=64)
    # A short list of `Role` values; stored as JSON because a user rarely has more than two.
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    is_active = fields.BooleanField(default=True)
    # Bumped to revoke every token issued before (password change, forced sign-out).
    token_version = fields.IntField(default=0)
    # Set by an administrator's password reset: until the person picks a password of their own,
    # signing in yields only a token for `changePassword`.
    must_change_password = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"
        ordering = ["id"]


class RevokedSession(Model):
    """A sign-in ended by `logout`: its refresh tokens (all carry the session's `sid`) stop
    working. Kept until the last of them would have expired anyway."""

    sid = fields.CharField(max_length=32, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="revoked_sessions", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "revoked_session"


class ApiClient(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    # The first characters of the key, kept in clear so a key can be found without scanning.
    key_prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=128)
    scopes: fields.Field[list[str]] = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Query-cost points per rate-limit window; null means the RATE_LIMIT_CLIENT default.
    cost_budget = fields.IntField(null=True)
    # After a rotation the previous key keeps working until `previous_key_expires_at`, so that
    # an app can roll the new key out without downtime. Only one previous key is kept.
    previous_key_prefix = fields.CharField(max_length=16, unique=True, null=True)
    previous_key_hash = fields.CharField(max_length=128, null=True)
    previous_key_expires_at = fields.DatetimeField(null=True)
    key_rotated_at = fields.DatetimeField(null=True)
    # Revocation is final: `enabled` goes false and every key of the client stops at once.
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_client"
        ordering = ["id"]
