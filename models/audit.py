"""The audit log: one row per administrative change, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.accounts import User


class AuditEntry(Model):
    """Who changed what, when, and the object's fields before and after (null: created or
    deleted). Rows are only ever inserted."""

    id = fields.BigIntField(primary_key=True)
    # Null for changes made at the command line, which knows no signed-in person.
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    # Who it was in words, kept when the user row is gone: a username, or e.g. "cli:alice".
    actor_label = fields.CharField(max_length=128, default="")
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=48)
    object_id = fields.BigIntField()
    before: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    request_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entry"
        ordering = ["id"]
        # The log pages by id under its filters: by object, by actor, by time.
        indexes = (("object_type", "object_id", "id"), ("actor_id", "id"), ("created_at", "id"))
