"""Volunteer activities (志愿服务项目): an organisation's project with sessions and positions,
volunteers' sign-ups to them, and the qualifications the training school (一校) grants."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.organizations import OrganizationCategory
from models.volunteers import Skill

if TYPE_CHECKING:
    from models.accounts import User
    from models.geography import District
    from models.organizations import Organization
    from models.stations import Station
    from models.volunteers import Volunteer


class ActivityKind(str, Enum):
    SERVICE = "SERVICE"
    # A course of the training school: completing it grants a qualification.
    TRAINING = "TRAINING"


class ActivityStatus(str, Enum):
    DRAFT = "DRAFT"
    # Waiting for the district's approval (when ACTIVITY_PUBLISH_NEEDS_APPROVAL is on).
    PENDING_APPROVAL = "PENDING_APPROVAL"
    PUBLISHED = "PUBLISHED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class SignUpMethod(str, Enum):
    INSTANT = "INSTANT"
    APPROVAL = "APPROVAL"


class SessionStatus(str, Enum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


class SignUpStatus(str, Enum):
    # Asked, under the APPROVAL method; the organiser decides.
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    REMOVED = "REMOVED"


# A sign-up in one of these holds the volunteer's time (the double-booking rule); a waitlisted
# one does not, and is skipped at promotion if the volunteer is busy by then.
HOLDING_SIGN_UP = (SignUpStatus.PENDING, SignUpStatus.CONFIRMED)
# Still in the running for a place: one per volunteer and session.
LIVE_SIGN_UP = (SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)


class Activity(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="activities", on_delete=fields.RESTRICT
    )
    organization_id: int
    station: fields.ForeignKeyNullableRelation[Station] = fields.ForeignKeyField(
        "models.Station", related_name="activities", null=True, on_delete=fields.SET_NULL
    )
    station_id: int | None
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="activities", on_delete=fields.RESTRICT
    )
    district_id: int
    kind = fields.CharEnumField(ActivityKind, max_length=16, default=ActivityKind.SERVICE)
    title = fields.CharField(max_length=128)
    category = fields.CharEnumField(OrganizationCategory, max_length=32)
    description = fields.TextField(default="")
    address = fields.CharField(max_length=256)
    lat = fields.FloatField()
    lng = fields.FloatField()
    checkin_radius_m = fields.IntField(default=200)
    min_age = fields.SmallIntField(default=0)
    # Sign-ups to a session close this long before it starts.
    signup_deadline_minutes = fields.IntField(default=0)
    signup_method = fields.CharEnumField(SignUpMethod, max_length=16, default=SignUpMethod.INSTANT)
    status = fields.CharEnumField(ActivityStatus, max_length=20, default=ActivityStatus.DRAFT)
    # The rule the sessions were expanded from (RFC 5545 RRULE), shown and put in feeds.
    recurrence = fields.CharField(max_length=256, default="")
    # What completing a TRAINING grants, and for how long.
    grants_qualification = fields.CharEnumField(Skill, max_length=32, null=True)
    qualification_valid_days = fields.IntField(default=0)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_activities", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    published_at = fields.DatetimeField(null=True)
    # The first and last session's times, kept here so the list filters by date on one table.
    first_starts_at = fields.DatetimeField(null=True)
    last_ends_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "activity"
        ordering = ["id"]
        indexes = (
            ("status", "id"),
            ("organization_id", "id"),
            ("district_id", "status"),
            ("lat", "lng"),
        )


class ActivityPosition(Model):
    """A role on every session of the activity, with its quota per session."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="positions", on_delete=fields.CASCADE
    )
    activity_id: int
    name = fields.CharField(max_length=64)
    quota = fields.IntField()
    required_skills = fields.CharField(max_length=512, default="", description="packed Skill")
    # Qualifications (packed Skill) that must be certified by the training school and unexpired.
    required_qualifications = fields.CharField(max_length=512, default="")

    class Meta:
        table = "activity_position"
        ordering = ["id"]
        indexes = (("activity_id", "id"),)


class ActivitySession(Model):
    """One occurrence: a place and a time window (what attendance checks against)."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="sessions", on_delete=fields.CASCADE
    )
    activity_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    lat = fields.FloatField()
    lng = fields.FloatField()
    checkin_radius_m = fields.IntField()
    status = fields.CharEnumField(SessionStatus, max_length=16, default=SessionStatus.SCHEDULED)
    # Places not yet confirmed, over all positions: kept in the sign-up's transaction (under the
    # session's row lock) so `hasOpenings` is an indexed filter, not a count per row.
    openings = fields.IntField(default=0)

    class Meta:
        table = "activity_session"
        ordering = ["starts_at", "id"]
        indexes = (("activity_id", "starts_at"), ("starts_at", "activity_id", "openings"))


class SignUp(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[ActivitySession] = fields.ForeignKeyField(
        "models.ActivitySession", related_name="sign_ups", on_delete=fields.CASCADE
    )
    session_id: int
    position: fields.ForeignKeyRelation[ActivityPosition] = fields.ForeignKeyField(
        "models.ActivityPosition", related_name="sign_ups", on_delete=fields.CASCADE
    )
    position_id: int
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="sign_ups", on_delete=fields.CASCADE
    )
    activity_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="sign_ups", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    status = fields.CharEnumField(SignUpStatus, max_length=16)
    # Copied from the session so the double-booking check is one indexed range query.
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decided_sign_ups", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    # Training: the trainer's mark; a pass grants the activity's qualification.
    completed_at = fields.DatetimeField(null=True)
    passed = fields.BooleanField(null=True)
    # Attendance (services/activities/attendance.py): a check-out files the service record.
    checked_in_at = fields.DatetimeField(null=True)
    checked_out_at = fields.DatetimeField(null=True)
    # RecordFlag values (packed) of the check-in; null when there were none.
    checkin_flags = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "activity_sign_up"
        # Arrival order: the waiting list is promoted in id order.
        ordering = ["id"]
        indexes = (
            ("session_id", "position_id", "status"),
            ("volunteer_id", "status", "starts_at"),
            ("activity_id", "status"),
        )


class Qualification(Model):
    """A skill certified by the training school, valid until `expires_at`."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="qualifications", on_delete=fields.CASCADE
    )
    volunteer_id: int
    skill = fields.CharEnumField(Skill, max_length=32)
    granted_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    # The training that granted it; null for one entered by an administrator.
    activity: fields.ForeignKeyNullableRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="qualifications", null=True, on_delete=fields.SET_NULL
    )
    activity_id: int | None
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="granted_qualifications", null=True, on_delete=fields.SET_NULL
    )
    granted_by_id: int | None

    class Meta:
        table = "qualification"
        ordering = ["id"]
        indexes = (("volunteer_id", "skill", "expires_at"),)


class CalendarToken(Model):
    """The secret in a volunteer's private iCalendar feed URL."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.OneToOneRelation[Volunteer] = fields.OneToOneField(
        "models.Volunteer", related_name="calendar_token", on_delete=fields.CASCADE
    )
    volunteer_id: int
    # SHA-256 of the token: a leaked database does not give away feed URLs.
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_token"
