"""Volunteer service organisations (志愿服务组织) and their memberships."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.geography import District
    from models.volunteers import Volunteer


class OrganizationCategory(str, Enum):
    """The 18 categories of Huizhou's organisations; the first eight are named in the seed."""

    PARTY_MEMBER = "PARTY_MEMBER"
    COMMUNITY = "COMMUNITY"
    PUBLIC_SAFETY = "PUBLIC_SAFETY"
    CULTURE = "CULTURE"
    SCIENCE_POPULARISATION = "SCIENCE_POPULARISATION"
    PUBLIC_HEALTH = "PUBLIC_HEALTH"
    NEIGHBOURHOOD_WATCH = "NEIGHBOURHOOD_WATCH"
    CIVILISED_TRAFFIC = "CIVILISED_TRAFFIC"
    ENVIRONMENTAL = "ENVIRONMENTAL"
    ELDERLY_CARE = "ELDERLY_CARE"
    YOUTH_AND_CHILDREN = "YOUTH_AND_CHILDREN"
    DISABILITY_SUPPORT = "DISABILITY_SUPPORT"
    POVERTY_RELIEF = "POVERTY_RELIEF"
    EMERGENCY_RESCUE = "EMERGENCY_RESCUE"
    EDUCATION = "EDUCATION"
    LEGAL_AID = "LEGAL_AID"
    LARGE_EVENTS = "LARGE_EVENTS"
    CIVIC_SUPERVISION = "CIVIC_SUPERVISION"


class MembershipRole(str, Enum):
    MEMBER = "MEMBER"
    ADMIN = "ADMIN"


class MembershipStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    category = fields.CharEnumField(OrganizationCategory, max_length=32, db_index=True)
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="organizations", on_delete=fields.RESTRICT
    )
    district_id: int
    verified = fields.BooleanField(default=False)
    description = fields.TextField(default="")
    contact_name = fields.CharField(max_length=64, default="")
    contact_phone = fields.CharField(max_length=20, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_organizations", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"
        ordering = ["id"]
        indexes = (("district_id", "category"),)


class Membership(Model):
    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="memberships", on_delete=fields.CASCADE
    )
    volunteer_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="memberships", on_delete=fields.CASCADE
    )
    organization_id: int
    role = fields.CharEnumField(MembershipRole, max_length=16, default=MembershipRole.MEMBER)
    status = fields.CharEnumField(MembershipStatus, max_length=16, default=MembershipStatus.PENDING)
    message = fields.CharField(max_length=500, default="")
    applied_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decided_memberships", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decision_note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "membership"
        unique_together = (("volunteer", "organization"),)
        indexes = (("organization_id", "status"),)
