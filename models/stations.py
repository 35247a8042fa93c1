"""Stations, posts, points and studios (站、岗、点、室) that make the 10-minute service circle."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.geography import Community, District
    from models.organizations import Organization


class StationKind(str, Enum):
    """The four of the seed's "four in one" platform, plus community stations and centres."""

    GOOD_PERSON_STATION = "GOOD_PERSON_STATION"  # 好人志愿服务站
    LEI_FENG_POST = "LEI_FENG_POST"  # 学雷锋志愿服务岗/亭
    SERVICE_POINT = "SERVICE_POINT"  # 学雷锋志愿服务点
    SPECIALIST_STUDIO = "SPECIALIST_STUDIO"  # 专项志愿服务工作室
    COMMUNITY_SERVICE_STATION = "COMMUNITY_SERVICE_STATION"  # 社区服务站
    DISPATCH_CENTER = "DISPATCH_CENTER"  # 调度中心


class Station(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(StationKind, max_length=32)
    name = fields.CharField(max_length=128, unique=True)
    address = fields.CharField(max_length=256)
    lat = fields.FloatField()
    lng = fields.FloatField()
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="stations", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="stations", null=True, on_delete=fields.SET_NULL
    )
    community_id: int | None
    opening_hours = fields.CharField(max_length=256, default="")
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="stations", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    services = fields.CharField(max_length=512, default="", description="packed ServiceCategory")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "station"
        ordering = ["id"]
        # (lat, lng) serves the bounding-box prefilter of the nearby search: a range scan on
        # lat that checks lng inside the index. The list pages by id under a filter.
        indexes = (("lat", "lng"), ("district_id", "id"), ("kind", "id"))
