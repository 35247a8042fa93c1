from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry import relay

from models.activities import (
    Activity,
    ActivityKind,
    ActivityPosition,
    ActivitySession,
    ActivityStatus,
    Qualification,
    SessionStatus,
    SignUp,
    SignUpMethod,
    SignUpStatus,
)
from models.events import Event
from models.organizations import OrganizationCategory
from models.volunteers import Skill, unpack_tags
from schema.activities.loaders import (
    ACTIVITY,
    COUNTS_OF_ACTIVITY,
    COUNTS_OF_SESSION,
    POSITION,
    POSITIONS_OF_ACTIVITY,
    SESSION,
    SESSIONS_OF_ACTIVITY,
    SIGN_UPS_OF_SESSION,
    STATION,
)
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import load_nodes
from schema.geography.loaders import DISTRICT
from schema.geography.types import DistrictType, GeoPoint
from schema.organizations.loaders import ORGANIZATION
from schema.organizations.types import OrganizationType
from schema.stations.types import StationType
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services.activities import ActivityEventType
from services.activities.discovery import PUBLIC
from services.activities.errors import ActivityErrorCode
from services.activities.sign_ups import Decision
from subscriptions.events import encode_cursor

strawberry.enum(ActivityKind, description="A service activity, or a course of the training school.")
strawberry.enum(
    ActivityStatus,
    description="DRAFT → (PENDING_APPROVAL →) PUBLISHED → CLOSED; CANCELLED from any of them.",
)
strawberry.enum(SignUpMethod, description="Instant confirmation, or the organiser's approval.")
strawberry.enum(SessionStatus, name="ActivitySessionStatus", description="Held or called off.")
strawberry.enum(
    SignUpStatus,
    description="PENDING (awaiting the organiser), CONFIRMED, WAITLISTED (promoted in arrival "
    "order when a place frees), CANCELLED (by the volunteer or with the activity), REJECTED, "
    "REMOVED (by the organiser).",
)
strawberry.enum(Decision, name="SignUpDecision", description="What the organiser decides.")
strawberry.enum(ActivityErrorCode, description="Why an activities request was refused.")
strawberry.enum(ActivityEventType, description="What happened to an activity.")


async def _organises(info: Info, organization_id: int) -> bool:
    if info.context.principal.is_admin:
        return True
    return organization_id in await info.context.admin_organization_ids()


@strawberry.type(name="ActivityPosition", description="A role on each session, with a quota.")
class PositionType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="What the volunteer does.")
    quota: int = strawberry.field(description="Places per session.")
    required_skills: list[Skill] = strawberry.field(
        description="Skills needed: declared on the profile or certified."
    )
    required_qualifications: list[Skill] = strawberry.field(
        description="Qualifications that must be certified by the training school, unexpired."
    )
    row: strawberry.Private[ActivityPosition]

    @classmethod
    def from_model(cls, row: ActivityPosition) -> PositionType:
        return cls(
            id=row.id,
            name=row.name,
            quota=row.quota,
            required_skills=[Skill(s) for s in unpack_tags(row.required_skills)],
            required_qualifications=[Skill(s) for s in unpack_tags(row.required_qualifications)],
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(ActivityPosition, node_ids, cls.from_model)


@strawberry.type(description="One position's places in one session.")
class PositionPlaces:
    position: PositionType = strawberry.field(description="The position.")
    confirmed: int = strawberry.field(description="Places taken.")
    waitlisted: int = strawberry.field(description="On the waiting list.")
    pending: int = strawberry.field(description="Requests awaiting the organiser.")
    openings: int = strawberry.field(description="Places still free.")


@strawberry.type(
    name="ActivitySession",
    description="One occurrence of an activity: a place and a time window, which check-in "
    "and check-out are measured against.",
)
class SessionType(relay.Node):
    id: relay.NodeID[int]
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End.")
    location: GeoPoint = strawberry.field(description="Where check-in is measured from.")
    checkin_radius_m: int = strawberry.field(description="Check-in radius, in metres.")
    status: SessionStatus = strawberry.field(description="Held or called off.")
    openings: int = strawberry.field(description="Places still free, over all positions.")
    row: strawberry.Private[ActivitySession]

    @classmethod
    def from_model(cls, row: ActivitySession) -> SessionType:
        return cls(
            id=row.id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            checkin_radius_m=row.checkin_radius_m,
            status=row.status,
            openings=row.openings,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(ActivitySession, node_ids, cls.from_model)

    @strawberry.field(description="The activity.")
    async def activity(self, info: Info) -> ActivityType | None:
        row = await ACTIVITY.load(info, self.row.activity_id)
        return ActivityType.from_model(row) if row else None

    @strawberry.field(description="Each position's places in this session.")
    async def places(self, info: Info) -> list[PositionPlaces]:
        positions = await POSITIONS_OF_ACTIVITY.load(info, self.row.activity_id)
        counts = await COUNTS_OF_SESSION.load(info, self.row.id)
        places = []
        for position in positions:
            confirmed = counts.get((position.id, SignUpStatus.CONFIRMED), 0)
            places.append(
                PositionPlaces(
                    position=PositionType.from_model(position),
                    confirmed=confirmed,
                    waitlisted=counts.get((position.id, SignUpStatus.WAITLISTED), 0),
                    pending=counts.get((position.id, SignUpStatus.PENDING), 0),
                    openings=max(position.quota - confirmed, 0),
                )
            )
        return places

    @strawberry.field(
        description="Every sign-up, in arrival order (the organising organisation's admins; "
        "empty for anyone else)."
    )
    async def sign_ups(self, info: Info) -> list[SignUpType]:
        activity = await ACTIVITY.load(info, self.row.activity_id)
        if activity is None or not await _organises(info, activity.organization_id):
            return []
        return [SignUpType.from_model(r) for r in await SIGN_UPS_OF_SESSION.load(info, self.row.id)]


@strawberry.type(name="Activity", description="A volunteer activity (志愿服务项目).")
class ActivityType(relay.Node):
    id: relay.NodeID[int]
    kind: ActivityKind = strawberry.field(description="Service, or a training course.")
    title: str = strawberry.field(description="Title.")
    category: OrganizationCategory = strawberry.field(description="One of the 18 categories.")
    description: str = strawberry.field(description="What it is about.")
    address: str = strawberry.field(description="Where.")
    location: GeoPoint = strawberry.field(description="Map point of the place.")
    checkin_radius_m: int = strawberry.field(description="Check-in radius, in metres.")
    min_age: int = strawberry.field(description="Minimum age on the session's day (0: none).")
    signup_deadline_minutes: int = strawberry.field(
        description="Sign-ups to a session close this many minutes before it starts."
    )
    signup_method: SignUpMethod = strawberry.field(description="How sign-ups are confirmed.")
    status: ActivityStatus = strawberry.field(description="Where it is in its life.")
    recurrence: str | None = strawberry.field(
        description="The RFC 5545 rule its sessions were expanded from, if any."
    )
    grants_qualification: Skill | None = strawberry.field(
        description="For a training: the qualification a pass grants."
    )
    qualification_valid_days: int | None = strawberry.field(
        description="For a training: how long that qualification is valid."
    )
    published_at: datetime | None = strawberry.field(description="When it was published.")
    first_starts_at: datetime | None = strawberry.field(description="Its first session's start.")
    last_ends_at: datetime | None = strawberry.field(description="Its last session's end.")
    calendar_path: str = strawberry.field(
        description="Path of its iCalendar feed on this server (public once published)."
    )
    row: strawberry.Private[Activity]

    @classmethod
    def from_model(cls, row: Activity) -> ActivityType:
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title,
            category=row.category,
            description=row.description,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            checkin_radius_m=row.checkin_radius_m,
            min_age=row.min_age,
            signup_deadline_minutes=row.signup_deadline_minutes,
            signup_method=row.signup_method,
            status=row.status,
            recurrence=row.recurrence or None,
            grants_qualification=row.grants_qualification,
            qualification_valid_days=row.qualification_valid_days or None,
            published_at=row.published_at,
            first_starts_at=row.first_starts_at,
            last_ends_at=row.last_ends_at,
            calendar_path=f"/calendar/activities/{relay.to_base64('Activity', row.id)}.ics",
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await load_nodes(Activity, node_ids, cls.from_model)
        shown: list[Any] = []
        for node in found:
            public = node is not None and node.row.status in PUBLIC
            mine = node is not None and await _organises(info, node.row.organization_id)
            shown.append(node if public or mine else None)
        return shown

    @strawberry.field(description="The organisation that runs it.")
    async def organization(self, info: Info) -> OrganizationType:
        row = await ORGANIZATION.load(info, self.row.organization_id)
        assert row is not None
        return OrganizationType.from_model(row)

    @strawberry.field(description="The station hosting it, if one does.")
    async def station(self, info: Info) -> StationType | None:
        if self.row.station_id is None:
            return None
        row = await STATION.load(info, self.row.station_id)
        return StationType.from_model(row) if row else None

    @strawberry.field(description="The district it takes place in.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.row.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Its positions, each with a quota per session.")
    async def positions(self, info: Info) -> list[PositionType]:
        rows = await POSITIONS_OF_ACTIVITY.load(info, self.row.id)
        return [PositionType.from_model(r) for r in rows]

    @strawberry.field(
        description="Its sessions in time order; `upcoming` leaves out those that have ended."
    )
    async def sessions(self, info: Info, upcoming: bool = False) -> list[SessionType]:
        rows = await SESSIONS_OF_ACTIVITY.load(info, self.row.id)
        now = datetime.now(UTC)
        return [SessionType.from_model(r) for r in rows if not upcoming or r.ends_at > now]

    @strawberry.field(description="Confirmed sign-ups over its upcoming sessions.")
    async def sign_up_count(self, info: Info) -> int:
        counts = await COUNTS_OF_ACTIVITY.load(info, self.row.id)
        return counts.get(SignUpStatus.CONFIRMED, 0)

    @strawberry.field(description="Waiting-list entries over its upcoming sessions.")
    async def waitlist_count(self, info: Info) -> int:
        counts = await COUNTS_OF_ACTIVITY.load(info, self.row.id)
        return counts.get(SignUpStatus.WAITLISTED, 0)

    @strawberry.field(description="Free places over its sessions yet to start.")
    async def openings(self, info: Info) -> int:
        rows = await SESSIONS_OF_ACTIVITY.load(info, self.row.id)
        now = datetime.now(UTC)
        return sum(
            r.openings for r in rows if r.starts_at > now and r.status == SessionStatus.SCHEDULED
        )


@strawberry.type(name="ActivitySignUp", description="A volunteer's place (or wish) in a session.")
class SignUpType(relay.Node):
    id: relay.NodeID[int]
    status: SignUpStatus = strawberry.field(description="Where the sign-up stands.")
    starts_at: datetime = strawberry.field(description="The session's start.")
    ends_at: datetime = strawberry.field(description="The session's end.")
    created_at: datetime = strawberry.field(description="When the volunteer signed up.")
    decided_at: datetime | None = strawberry.field(description="When it was last decided.")
    note: str = strawberry.field(description="The organiser's note.")
    completed_at: datetime | None = strawberry.field(
        description="Training: when the trainer marked the result."
    )
    passed: bool | None = strawberry.field(description="Training: whether the volunteer passed.")
    checked_in_at: datetime | None = strawberry.field(description="When the volunteer checked in.")
    checked_out_at: datetime | None = strawberry.field(
        description="When the volunteer checked out (filing the service record)."
    )
    row: strawberry.Private[SignUp]

    @classmethod
    def from_model(cls, row: SignUp) -> SignUpType:
        return cls(
            id=row.id,
            status=row.status,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            created_at=row.created_at,
            decided_at=row.decided_at,
            note=row.note,
            completed_at=row.completed_at,
            passed=row.passed,
            checked_in_at=row.checked_in_at,
            checked_out_at=row.checked_out_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # By id only for the signed-in: a sign-up names a volunteer.
        return await load_nodes(
            SignUp, node_ids, cls.from_model, visible=info.context.principal.is_authenticated
        )

    @strawberry.field(description="The session.")
    async def session(self, info: Info) -> SessionType:
        row = await SESSION.load(info, self.row.session_id)
        assert row is not None
        return SessionType.from_model(row)

    @strawberry.field(description="The position.")
    async def position(self, info: Info) -> PositionType:
        row = await POSITION.load(info, self.row.position_id)
        assert row is not None
        return PositionType.from_model(row)

    @strawberry.field(description="The activity.")
    async def activity(self, info: Info) -> ActivityType:
        row = await ACTIVITY.load(info, self.row.activity_id)
        assert row is not None
        return ActivityType.from_model(row)

    @strawberry.field(description="The volunteer.")
    async def volunteer(self, info: Info) -> VolunteerType | None:
        row = await VOLUNTEER.load(info, self.row.volunteer_id)
        return VolunteerType.from_model(row) if row else None


@strawberry.type(
    name="Qualification",
    description="A skill certified by the training school (一校), valid until it expires.",
)
class QualificationType:
    skill: Skill = strawberry.field(description="What it certifies.")
    granted_at: datetime = strawberry.field(description="When it was granted.")
    expires_at: datetime = strawberry.field(description="When it stops counting.")
    valid: bool = strawberry.field(description="Not expired now.")
    row: strawberry.Private[Qualification]

    @classmethod
    def from_model(cls, row: Qualification) -> QualificationType:
        return cls(
            skill=row.skill,
            granted_at=row.granted_at,
            expires_at=row.expires_at,
            valid=row.expires_at > datetime.now(UTC),
            row=row,
        )

    @strawberry.field(description="The training that granted it; null if entered by hand.")
    async def training(self, info: Info) -> ActivityType | None:
        if self.row.activity_id is None:
            return None
        row = await ACTIVITY.load(info, self.row.activity_id)
        return ActivityType.from_model(row) if row else None


@strawberry.type(description="Something happened to an activity: its places may have changed.")
class ActivityEvent:
    cursor: str = strawberry.field(description="Resume the stream after this event.")
    type: ActivityEventType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When.")
    activity_id: relay.GlobalID = strawberry.field(description="The activity.")
    session_id: relay.GlobalID | None = strawberry.field(description="The session concerned.")
    row: strawberry.Private[Event]
    # Marks the payload as the same for every subscriber of the event (schema/fanout/execution.py).
    event_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Event) -> ActivityEvent:
        session = row.payload.get("sessionId")
        return cls(
            cursor=encode_cursor(row.id),
            type=ActivityEventType(row.type),
            occurred_at=row.created_at,
            activity_id=relay.GlobalID("Activity", str(row.payload["activityId"])),
            session_id=relay.GlobalID("ActivitySession", str(session)) if session else None,
            row=row,
            event_id=row.id,
        )

    @classmethod
    def shared(cls, row: Event, views: dict[str, Any]) -> ActivityEvent:
        """One payload object per event for all its subscribers (`views`: the hub's)."""
        event = views.get("ActivityEvent")
        if event is None:
            event = views["ActivityEvent"] = cls.from_row(row)
        assert isinstance(event, ActivityEvent)
        return event

    @strawberry.field(
        description="The activity as it is when the event is delivered, with its counts and "
        "openings (read once per event for all subscribers)."
    )
    async def activity(self, info: Info) -> ActivityType | None:
        row = await ACTIVITY.load(info, int(self.row.payload["activityId"]))
        return ActivityType.from_model(row) if row else None

    @strawberry.field(description="The session concerned, as it is now.")
    async def session(self, info: Info) -> SessionType | None:
        session = self.row.payload.get("sessionId")
        if session is None:
            return None
        row = await SESSION.load(info, int(session))
        return SessionType.from_model(row) if row else None


@strawberry.type(description="A problem with an activities request.")
class ActivityError(DomainErrorType[ActivityErrorCode]):
    pass


@payload_type(description="The activity after the change, or why nothing changed.")
class ActivityPayload(Payload[ActivityError]):
    activity: ActivityType | None = strawberry.field(default=None, description="Null on errors.")


@payload_type(description="The sign-up after the change, or why nothing changed.")
class SignUpPayload(Payload[ActivityError]):
    sign_up: SignUpType | None = strawberry.field(default=None, description="Null on errors.")


@payload_type(description="The marked sign-up and the qualification a pass granted.")
class TrainingResultPayload(Payload[ActivityError]):
    sign_up: SignUpType | None = strawberry.field(default=None, description="Null on errors.")
    qualification: QualificationType | None = strawberry.field(
        default=None, description="Granted by a pass; null for a fail or on errors."
    )


@payload_type(description="Your private calendar feed's path, or why there is none.")
class CalendarFeedPayload(Payload[ActivityError]):
    path: str | None = strawberry.field(
        default=None,
        description="Path of your iCalendar feed on this server; keep it secret (it needs no "
        "sign-in). Issuing a new one revokes the old.",
    )
