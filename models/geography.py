"""Districts and communities of the city, with population for per-capita statistics."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class District(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    # GB/T 2260 (the civil-affairs ministry's six digits); empty for a functional zone that has
    # none, such as Daya Bay, which administers part of a county.
    division_code = fields.CharField(max_length=12, null=True)
    name = fields.CharField(max_length=64)
    name_en = fields.CharField(max_length=64)
    population = fields.IntField()
    center_lat = fields.FloatField()
    center_lng = fields.FloatField()
    # The outline as a GeoJSON MultiPolygon (lng, lat), from the reference data; empty where
    # the city supplied none. Read whole: a district's is some tens of KB. Nullable: a column
    # added NOT NULL to a table that has rows needs a default SQLite's ALTER TABLE would take.
    boundary = fields.TextField(null=True)

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
    # The statistical division code of the street or community (9 or 12 digits), where known.
    division_code = fields.CharField(max_length=12, null=True)
    population = fields.IntField()
    center_lat = fields.FloatField()
    center_lng = fields.FloatField()

    class Meta:
        table = "community"
        unique_together = (("district", "name"),)
        ordering = ["id"]
