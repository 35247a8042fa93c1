"""The registry of volunteers (注册志愿者)."""

from __future__ import annotations

import secrets
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from stdnum import luhn
from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.geography import Community, District


class Gender(str, Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    UNSPECIFIED = "UNSPECIFIED"


class VolunteerStatus(str, Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    LEFT = "LEFT"


class Skill(str, Enum):
    FIRST_AID = "FIRST_AID"
    ELDERLY_CARE = "ELDERLY_CARE"
    CHILD_CARE = "CHILD_CARE"
    TUTORING = "TUTORING"
    MEDICAL = "MEDICAL"
    PSYCHOLOGICAL_SUPPORT = "PSYCHOLOGICAL_SUPPORT"
    LEGAL_AID = "LEGAL_AID"
    TRANSLATION = "TRANSLATION"
    SIGN_LANGUAGE = "SIGN_LANGUAGE"
    DRIVING = "DRIVING"
    HOME_REPAIR = "HOME_REPAIR"
    IT_SUPPORT = "IT_SUPPORT"
    TRAFFIC_GUIDANCE = "TRAFFIC_GUIDANCE"
    ENVIRONMENTAL = "ENVIRONMENTAL"
    CULTURAL_PERFORMANCE = "CULTURAL_PERFORMANCE"
    EVENT_SUPPORT = "EVENT_SUPPORT"
    DISASTER_RELIEF = "DISASTER_RELIEF"
    CIVIC_SUPERVISION = "CIVIC_SUPERVISION"


class Availability(str, Enum):
    WEEKDAY_MORNING = "WEEKDAY_MORNING"
    WEEKDAY_AFTERNOON = "WEEKDAY_AFTERNOON"
    WEEKDAY_EVENING = "WEEKDAY_EVENING"
    WEEKEND_MORNING = "WEEKEND_MORNING"
    WEEKEND_AFTERNOON = "WEEKEND_AFTERNOON"
    WEEKEND_EVENING = "WEEKEND_EVENING"


def pack_tags(values: list[str]) -> str:
    """Store a set of enum values as `|A|B|` so `contains="|A|"` filters portably and exactly."""
    return "|" + "|".join(sorted(set(values))) + "|" if values else ""


def unpack_tags(packed: str) -> list[str]:
    return [v for v in packed.split("|") if v]


# 志愿者统一编号-style: the city's region code, random digits (never derived from the ID
# number, so it can be shown where the ID number may not) and a Luhn check digit. 20 digits, so
# it is never mistaken for an 18-character ID number or a 16-digit service card.
VOLUNTEER_NUMBER_REGION = "441300"
VOLUNTEER_NUMBER_SERIAL_DIGITS = 13


def new_volunteer_number() -> str:
    # One draw for the serial, not one per digit: the bulk import numbers 450,000 at a time.
    serial = secrets.randbelow(10**VOLUNTEER_NUMBER_SERIAL_DIGITS)
    body = f"{VOLUNTEER_NUMBER_REGION}{serial:0{VOLUNTEER_NUMBER_SERIAL_DIGITS}d}"
    return body + luhn.calc_check_digit(body)


class Volunteer(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneNullableRelation[User] = fields.OneToOneField(
        "models.User", related_name="volunteer", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    # Given at registration and never changed: what third parties (certificates, exports, the
    # service card) identify a volunteer by. Nullable only so that the column could be added to
    # a filled table in place; the migration numbered every older row.
    volunteer_number = fields.CharField(
        max_length=24, unique=True, null=True, default=new_volunteer_number
    )
    real_name = fields.CharField(max_length=64, db_index=True)
    phone = fields.CharField(max_length=20)
    id_number = fields.CharField(max_length=18)
    # Keyed hash (HMAC with SECRET_KEY) of the normalised ID number: unique without exposing it.
    id_number_hash = fields.CharField(max_length=64, unique=True)
    gender = fields.CharEnumField(Gender, max_length=16, default=Gender.UNSPECIFIED)
    birth_date = fields.DateField(null=True)
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="volunteers", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="volunteers", null=True, on_delete=fields.SET_NULL
    )
    community_id: int | None
    home_lat = fields.FloatField(null=True)
    home_lng = fields.FloatField(null=True)
    skills = fields.CharField(max_length=512, default="", description="packed Skill values")
    availability = fields.CharField(max_length=256, default="", description="packed slots")
    registered_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(VolunteerStatus, max_length=16, default=VolunteerStatus.ACTIVE)
    total_hours = fields.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    # Any change to the row: what the national system's export syncs by. A queryset update()
    # does not stamp it by itself: set it there too. Nullable only so that the column could
    # be added to a filled table in place (SQLite's table rebuild for NOT NULL would drop the
    # indexes): every insert and update states it, and the migration filled the older rows.
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        table = "volunteer"
        ordering = ["id"]
        # The list pages by id (keyset) under a filter: (filter column, id) lets the database
        # walk the index in id order and stop after a page, instead of sorting every match.
        # (status, district_id, registered_at) answers cityStatistics' registry counts from
        # the index alone, for the city and for one district. (updated_at, id) pages exports.
        indexes = (
            ("district_id", "id"),
            ("community_id", "id"),
            ("total_hours",),
            ("status", "district_id", "registered_at"),
            ("updated_at", "id"),
        )
