"""Districts and communities of the city, with population for per-capita statistics."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class District(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    name_en = fields.CharField(max_length=64)
    population = fields.IntField()
    center_lat = fields.FloatField()
    center_lng = fields.FloatField()

    class Meta:
        table = "district"
        ordering = ["id"]


class Community(Model):
    id = fields.IntField(primary_key=True)
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="communities", on_delete=fields.RESTRICT
    )
    district_id: int
    name = fields.CharField(max_length=64)
    population = fields.IntField()
    center_lat = fields.FloatField()
    center_lng = fields.FloatField()

    class Meta:
        table = "community"
        unique_together = (("district", "name"),)
        ordering = ["id"]
