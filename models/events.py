"""The event log: the source of truth behind every subscription (the bus only wakes readers)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Event(Model):
    # Ids become visible in id order: see `subscriptions.events` for how that is guaranteed.
    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=48)
    # `|center:3|order:17|volunteer:9|`, so `contains="|order:17|"` matches exactly.
    topics = fields.CharField(max_length=512)
    payload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event"
        ordering = ["id"]
