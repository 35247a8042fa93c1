"""Service orders (订单式志愿服务) and the dispatch centres (调度中心) that route them."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.activities import SignUp
    from models.geography import Community, District
    from models.organizations import Organization
    from models.volunteers import Volunteer


class CenterLevel(str, Enum):
    CITY = "CITY"
    DISTRICT = "DISTRICT"
    STREET = "STREET"


# Routing prefers the most local centre: the higher the rank, the closer to the resident.
LEVEL_RANK = {CenterLevel.CITY: 0, CenterLevel.DISTRICT: 1, CenterLevel.STREET: 2}


class ServiceCategory(str, Enum):
    ELDERLY_CARE = "ELDERLY_CARE"
    CHILD_CARE = "CHILD_CARE"
    MEDICAL_ESCORT = "MEDICAL_ESCORT"
    HOME_REPAIR = "HOME_REPAIR"
    TUTORING = "TUTORING"
    COMPANIONSHIP = "COMPANIONSHIP"
    ERRANDS = "ERRANDS"
    LEGAL_AID = "LEGAL_AID"
    PSYCHOLOGICAL_SUPPORT = "PSYCHOLOGICAL_SUPPORT"
    TRANSLATION = "TRANSLATION"
    ENVIRONMENTAL = "ENVIRONMENTAL"
    EVENT_SUPPORT = "EVENT_SUPPORT"
    OTHER = "OTHER"


class Urgency(str, Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class OrderStatus(str, Enum):
    SUBMITTED = "SUBMITTED"
    ASSIGNED = "ASSIGNED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    RATED = "RATED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class AssignmentStatus(str, Enum):
    ASSIGNED = "ASSIGNED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CHECKED_IN = "CHECKED_IN"
    CHECKED_OUT = "CHECKED_OUT"
    CANCELLED = "CANCELLED"


# An assignment in one of these holds the volunteer's time window.
OPEN_ASSIGNMENT = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.ACCEPTED,
    AssignmentStatus.CHECKED_IN,
)


class RecordStatus(str, Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"


class RecordFlag(str, Enum):
    """What the confirmer should look at before counting a record's hours."""

    # Checked out later than the window's end (and its tolerance): the hours were cut at the end.
    BEYOND_WINDOW = "BEYOND_WINDOW"
    # The volunteer has another record (pending or confirmed) for part of the same time.
    OVERLAPS = "OVERLAPS"
    # Checked in or out beyond the place's radius, within the tolerance that is still accepted.
    FAR_CHECK_IN = "FAR_CHECK_IN"
    FAR_CHECK_OUT = "FAR_CHECK_OUT"
    # Hours typed by a person (a correction the volunteer asked for) rather than attended.
    MANUAL = "MANUAL"


class DispatchCenter(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    level = fields.CharEnumField(CenterLevel, max_length=16)
    parent: fields.ForeignKeyNullableRelation[DispatchCenter] = fields.ForeignKeyField(
        "models.DispatchCenter", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    # Assign the best suggestions as soon as an order arrives, instead of waiting for a person.
    auto_assign = fields.BooleanField(default=False)
    # Unassigned this long, an order moves up to the parent centre.
    escalate_after_minutes = fields.IntField(default=30)

    class Meta:
        table = "dispatch_center"
        ordering = ["id"]


class CenterCoverage(Model):
    """A district (community null) or one community that a centre answers for. The city
    centre needs none: it covers whatever nobody more local covers."""

    id = fields.IntField(primary_key=True)
    center: fields.ForeignKeyRelation[DispatchCenter] = fields.ForeignKeyField(
        "models.DispatchCenter", related_name="coverage", on_delete=fields.CASCADE
    )
    center_id: int
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="dispatch_coverage", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="dispatch_coverage", null=True, on_delete=fields.RESTRICT
    )
    community_id: int | None

    class Meta:
        table = "dispatch_coverage"
        indexes = (("district_id", "community_id"),)


class ServiceOrder(Model):
    id = fields.IntField(primary_key=True)
    # Null when a dispatcher entered the order for a phone caller.
    requester: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="service_orders", null=True, on_delete=fields.SET_NULL
    )
    requester_id: int | None
    entered_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="entered_orders", null=True, on_delete=fields.SET_NULL
    )
    entered_by_id: int | None
    caller_name = fields.CharField(max_length=64, default="")
    caller_phone = fields.CharField(max_length=20, default="")
    category = fields.CharEnumField(ServiceCategory, max_length=32)
    description = fields.TextField()
    address = fields.CharField(max_length=256)
    lat = fields.FloatField()
    lng = fields.FloatField()
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="service_orders", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="service_orders", null=True, on_delete=fields.SET_NULL
    )
    community_id: int | None
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    volunteers_needed = fields.IntField(default=1)
    required_skills = fields.CharField(max_length=512, default="", description="packed Skill")
    urgency = fields.CharEnumField(Urgency, max_length=16, default=Urgency.NORMAL)
    status = fields.CharEnumField(OrderStatus, max_length=16, default=OrderStatus.SUBMITTED)
    dispatch_center: fields.ForeignKeyRelation[DispatchCenter] = fields.ForeignKeyField(
        "models.DispatchCenter", related_name="orders", on_delete=fields.RESTRICT
    )
    dispatch_center_id: int
    # When the current centre received it; escalation counts from here.
    routed_at = fields.DatetimeField()
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="service_orders", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    rating = fields.SmallIntField(null=True)
    rating_comment = fields.CharField(max_length=500, default="")
    rated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "service_order"
        ordering = ["id"]
        # The last two serve cityStatistics: orders of a period by status, ratings of a
        # period, each answered from the index alone.
        indexes = (
            ("dispatch_center_id", "status"),
            ("status", "routed_at"),
            ("requester_id",),
            ("created_at", "district_id", "status"),
            ("rated_at", "district_id", "rating"),
        )


class OrderAssignment(Model):
    """One volunteer (or, until a member takes it, one organisation) serving an order."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[ServiceOrder] = fields.ForeignKeyField(
        "models.ServiceOrder", related_name="assignments", on_delete=fields.CASCADE
    )
    order_id: int
    volunteer: fields.ForeignKeyNullableRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="assignments", null=True, on_delete=fields.RESTRICT
    )
    volunteer_id: int | None
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="assignments", null=True, on_delete=fields.RESTRICT
    )
    organization_id: int | None
    status = fields.CharEnumField(
        AssignmentStatus, max_length=16, default=AssignmentStatus.ASSIGNED
    )
    # Copied from the order so the double-booking check is one indexed range query.
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    assigned_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="made_assignments", null=True, on_delete=fields.SET_NULL
    )
    assigned_by_id: int | None
    assigned_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    checked_out_at = fields.DatetimeField(null=True)
    # RecordFlag values (packed) of the check-in, carried into the record at check-out. Null
    # rather than '' so that the column can be added to a table with rows on SQLite.
    checkin_flags = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "order_assignment"
        ordering = ["id"]
        indexes = (("volunteer_id", "status", "window_start"), ("order_id", "status"))


class OrderTransition(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[ServiceOrder] = fields.ForeignKeyField(
        "models.ServiceOrder", related_name="transitions", on_delete=fields.CASCADE
    )
    order_id: int
    from_status = fields.CharEnumField(OrderStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(OrderStatus, max_length=16)
    # Null for the system (escalation, expiry, auto-assignment).
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="order_transitions", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    at = fields.DatetimeField()
    note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "order_transition"
        ordering = ["id"]
        indexes = (("order_id", "id"),)


class ServiceRecord(Model):
    """Hours served, from check-in to check-out, which count once confirmed.

    Served on an order (an assignment) or at an activity's session (a sign-up), exactly one."""

    id = fields.IntField(primary_key=True)
    assignment: fields.OneToOneNullableRelation[OrderAssignment] = fields.OneToOneField(
        "models.OrderAssignment", related_name="record", null=True, on_delete=fields.CASCADE
    )
    assignment_id: int | None
    order: fields.ForeignKeyNullableRelation[ServiceOrder] = fields.ForeignKeyField(
        "models.ServiceOrder", related_name="records", null=True, on_delete=fields.CASCADE
    )
    order_id: int | None
    sign_up: fields.OneToOneNullableRelation[SignUp] = fields.OneToOneField(
        "models.SignUp", related_name="record", null=True, on_delete=fields.CASCADE
    )
    sign_up_id: int | None
    # The organising organisation of an activity's record, kept here so its organisers' queue
    # (pendingServiceRecords) is one indexed filter.
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="activity_records", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="service_records", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField()
    hours = fields.DecimalField(max_digits=6, decimal_places=2)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.PENDING)
    correction_requested_at = fields.DatetimeField(null=True)
    correction_note = fields.CharField(max_length=500, default="")
    correction_hours = fields.DecimalField(max_digits=6, decimal_places=2, null=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decided_records", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=500, default="")
    # RecordFlag values (packed `|A|B|`); null when nothing is odd (and for records filed before
    # attendance was checked).
    flags = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "service_record"
        ordering = ["id"]
        # The second and fourth serve cityStatistics' participation and hours of a period
        # (the fourth lets SQLite count the participants grouped in volunteer order, see
        # services/statistics/participation.py). The third pages the export of confirmed
        # records by confirmation time.
        indexes = (
            ("volunteer_id", "status"),
            ("status", "ended_at", "volunteer_id", "hours"),
            ("status", "decided_at", "id"),
            ("status", "volunteer_id", "ended_at", "hours"),
            ("status", "organization_id", "id"),
        )
