"""Civic-issue supervision (数字城管文明监督): residents and civic supervisors photograph
city-management problems, the command centre files them as cases (立案), a department rectifies
them (整改) and the fix is checked."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import ApiClient, User
    from models.dispatch import DispatchCenter
    from models.geography import Community, District
    from models.volunteers import Volunteer


class CivicStatus(str, Enum):
    REPORTED = "REPORTED"
    FILED = "FILED"
    NOT_FILED = "NOT_FILED"
    DUPLICATE = "DUPLICATE"
    DISPATCHED = "DISPATCHED"
    RECTIFYING = "RECTIFYING"
    RECTIFIED = "RECTIFIED"
    VERIFIED = "VERIFIED"
    CLOSED_UNRESOLVED = "CLOSED_UNRESOLVED"


# A case that is filed and still waits for its fix: these can be overdue.
OPEN_CASE = (CivicStatus.FILED, CivicStatus.DISPATCHED, CivicStatus.RECTIFYING)
# Still open for the public (and for duplicate detection): not decided, or not fixed yet.
OPEN_ISSUE = (CivicStatus.REPORTED, *OPEN_CASE)
# The fix stands: rectified, and not reopened since.
FIXED = (CivicStatus.RECTIFIED, CivicStatus.VERIFIED)


class CivicAction(str, Enum):
    """What a transition did. Reopening is an action, not a status: it sends the case back to
    DISPATCHED, and the timeline tells it from a first dispatch by this."""

    REPORT = "REPORT"
    FILE = "FILE"
    REJECT = "REJECT"
    MARK_DUPLICATE = "MARK_DUPLICATE"
    DISPATCH = "DISPATCH"
    START_RECTIFICATION = "START_RECTIFICATION"
    RECTIFY = "RECTIFY"
    VERIFY = "VERIFY"
    REOPEN = "REOPEN"
    CLOSE_UNRESOLVED = "CLOSE_UNRESOLVED"
    ADD_PHOTOS = "ADD_PHOTOS"


class CivicSource(str, Enum):
    APP = "APP"
    OPEN311 = "OPEN311"
    PHONE = "PHONE"


class PhotoPhase(str, Enum):
    REPORT = "REPORT"
    UPDATE = "UPDATE"
    AFTER = "AFTER"


class CivicCategory(Model):
    """The configurable catalogue: what can be reported, and who fixes it how fast."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh = fields.CharField(max_length=64)
    name_en = fields.CharField(max_length=64)
    description = fields.CharField(max_length=500, default="")
    # Open311 groups services; also a coarse heading for apps.
    group_name = fields.CharField(max_length=64, default="")
    department = fields.CharField(max_length=128)
    deadline_hours = fields.IntField()
    active = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "civic_category"
        ordering = ["position", "id"]


class CivicIssue(Model):
    id = fields.IntField(primary_key=True)
    # Public, unguessable reference (the Open311 service_request_id): ids are enumerable.
    token = fields.CharField(max_length=24, unique=True)
    # Null for phone and Open311 reports without an account (the contact fields say who).
    reporter: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="civic_issues", null=True, on_delete=fields.SET_NULL
    )
    reporter_id: int | None
    # Hidden from the public; staff still see who reported.
    anonymous = fields.BooleanField(default=False)
    contact_name = fields.CharField(max_length=64, default="")
    contact_phone = fields.CharField(max_length=20, default="")
    contact_email = fields.CharField(max_length=254, default="")
    source = fields.CharEnumField(CivicSource, max_length=16, default=CivicSource.APP)
    api_client: fields.ForeignKeyNullableRelation[ApiClient] = fields.ForeignKeyField(
        "models.ApiClient", related_name="civic_issues", null=True, on_delete=fields.SET_NULL
    )
    api_client_id: int | None
    category: fields.ForeignKeyRelation[CivicCategory] = fields.ForeignKeyField(
        "models.CivicCategory", related_name="issues", on_delete=fields.RESTRICT
    )
    category_id: int
    description = fields.TextField()
    lat = fields.FloatField()
    lng = fields.FloatField()
    address = fields.CharField(max_length=256)
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="civic_issues", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="civic_issues", null=True, on_delete=fields.SET_NULL
    )
    community_id: int | None
    dispatch_center: fields.ForeignKeyRelation[DispatchCenter] = fields.ForeignKeyField(
        "models.DispatchCenter", related_name="civic_issues", on_delete=fields.RESTRICT
    )
    dispatch_center_id: int
    status = fields.CharEnumField(CivicStatus, max_length=20, default=CivicStatus.REPORTED)
    # The latest transition's note, e.g. why it was not filed (Open311's status_notes).
    status_note = fields.CharField(max_length=500, default="")
    department = fields.CharField(max_length=128, default="")
    deadline = fields.DatetimeField(null=True)
    duplicate_of: fields.ForeignKeyNullableRelation[CivicIssue] = fields.ForeignKeyField(
        "models.CivicIssue", related_name="duplicates", null=True, on_delete=fields.SET_NULL
    )
    duplicate_of_id: int | None
    # The civic supervisor credited when the report was filed (their 监督 participation).
    credited_volunteer: fields.ForeignKeyNullableRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer",
        related_name="credited_civic_issues",
        null=True,
        on_delete=fields.SET_NULL,
    )
    credited_volunteer_id: int | None
    reported_at = fields.DatetimeField()
    filed_at = fields.DatetimeField(null=True)
    # The standing rectification: cleared when the case is reopened.
    rectified_at = fields.DatetimeField(null=True)
    # filed_at to rectified_at in whole seconds, so the median is portable SQL.
    rectify_seconds = fields.IntField(null=True)
    verified_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    reopen_count = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "civic_issue"
        ordering = ["id"]
        # Keyset lists under a filter walk (filter, id); statistics read the period's rows
        # by reported_at; similar-issue search is a category's bounding box.
        indexes = (
            ("district_id", "id"),
            ("category_id", "id"),
            ("status", "id"),
            ("reporter_id", "id"),
            ("dispatch_center_id", "id"),
            ("reported_at", "district_id", "category_id"),
            ("category_id", "lat", "lng"),
            ("credited_volunteer_id",),
            ("duplicate_of_id",),
        )


class CivicIssueTransition(Model):
    id = fields.IntField(primary_key=True)
    issue: fields.ForeignKeyRelation[CivicIssue] = fields.ForeignKeyField(
        "models.CivicIssue", related_name="transitions", on_delete=fields.CASCADE
    )
    issue_id: int
    action = fields.CharEnumField(CivicAction, max_length=24)
    from_status = fields.CharEnumField(CivicStatus, max_length=20, null=True)
    to_status = fields.CharEnumField(CivicStatus, max_length=20)
    # Null for an Open311 application or the system.
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="civic_transitions", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    at = fields.DatetimeField()
    note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "civic_issue_transition"
        ordering = ["id"]
        indexes = (("issue_id", "id"),)


class CivicPhoto(Model):
    """An uploaded photo, re-encoded without metadata, and its thumbnail, in media storage."""

    id = fields.IntField(primary_key=True)
    issue: fields.ForeignKeyRelation[CivicIssue] = fields.ForeignKeyField(
        "models.CivicIssue", related_name="photos", on_delete=fields.CASCADE
    )
    issue_id: int
    phase = fields.CharEnumField(PhotoPhase, max_length=16)
    storage_key = fields.CharField(max_length=200, unique=True)
    thumbnail_key = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=32)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    uploader: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="civic_photos", null=True, on_delete=fields.SET_NULL
    )
    uploader_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "civic_photo"
        ordering = ["id"]
        indexes = (("issue_id", "id"),)
