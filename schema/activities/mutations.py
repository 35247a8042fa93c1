from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import TypeVar

import strawberry
from strawberry import relay

from models.activities import Activity, ActivityKind, Qualification, SignUp, SignUpMethod
from models.organizations import OrganizationCategory
from models.volunteers import Skill
from schema.activities.types import (
    ActivityPayload,
    ActivityType,
    CalendarFeedPayload,
    QualificationType,
    SignUpPayload,
    SignUpType,
    TrainingResultPayload,
)
from schema.core.context import Info
from schema.core.errors import payload
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.volunteers.mutations import GeoPointInput
from services.activities import calendar, catalogue, sign_ups, training
from services.activities.errors import ActivityErrorCode
from services.activities.sign_ups import Decision
from services.common.errors import DomainError

T = TypeVar("T")


def _id(
    global_id: relay.GlobalID | None, type_name: str, code: ActivityErrorCode, field: str
) -> int:
    value = decode_id(global_id, type_name)
    if value is None:
        raise DomainError(code, f"No such {type_name}.", field)
    return value


async def _run(decode: Callable[[], Awaitable[T]]) -> T:
    """Decoding IDs inside the payload's call, so a bad ID is a coded error like any other."""
    return await decode()


async def _activity(call: Callable[[], Awaitable[Activity]]) -> ActivityPayload:
    return await payload(
        ActivityPayload,
        _run(call),
        lambda row: ActivityPayload(activity=ActivityType.from_model(row)),
    )


async def _sign_up(call: Callable[[], Awaitable[SignUp]]) -> SignUpPayload:
    return await payload(
        SignUpPayload, _run(call), lambda row: SignUpPayload(sign_up=SignUpType.from_model(row))
    )


@strawberry.input(
    description="A weekly rule: these weekdays, these hours, from one date to another."
)
class RecurrenceInput:
    weekdays: list[str] = strawberry.field(
        description="RFC 5545 weekday codes: MO, TU, WE, TH, FR, SA, SU."
    )
    start_time: time = strawberry.field(description="Wall-clock start, e.g. 09:00.")
    end_time: time = strawberry.field(description="Wall-clock end, the same day, e.g. 11:30.")
    start_date: date = strawberry.field(description="First day it may fall on.")
    until: date = strawberry.field(description="Last day it may fall on (inclusive).")
    timezone: str = strawberry.field(default="Asia/Shanghai", description="IANA time zone.")


@strawberry.input(description="One session's time window.")
class ActivitySessionInput:
    starts_at: datetime = strawberry.field(description="Start, with its offset.")
    ends_at: datetime = strawberry.field(description="End, within 24 hours of the start.")


@strawberry.input(description="A role on each session, with its quota.")
class ActivityPositionInput:
    name: str = strawberry.field(description="What the volunteer does (1-64).")
    quota: int = strawberry.field(description="Places per session (1-1000).")
    required_skills: list[Skill] = strawberry.field(
        default_factory=list, description="Skills needed: declared or certified."
    )
    required_qualifications: list[Skill] = strawberry.field(
        default_factory=list, description="Qualifications the training school must have certified."
    )


@strawberry.input(description="A new activity (saved as DRAFT until published).")
class CreateActivityInput:
    organization: relay.GlobalID = strawberry.field(description="The organising organisation.")
    title: str = strawberry.field(description="Title (2-128).")
    category: OrganizationCategory = strawberry.field(description="One of the 18 categories.")
    address: str = strawberry.field(description="Where (2-256).")
    location: GeoPointInput = strawberry.field(description="Map point, inside Huizhou.")
    positions: list[ActivityPositionInput] = strawberry.field(description="At least one position.")
    sessions: list[ActivitySessionInput] = strawberry.field(
        default_factory=list, description="One-off sessions."
    )
    recurrence: RecurrenceInput | None = strawberry.field(
        default=None, description="A weekly rule expanded into sessions."
    )
    kind: ActivityKind = strawberry.field(default=ActivityKind.SERVICE, description="Kind.")
    description: str = strawberry.field(default="", description="What it is about (≤5000).")
    station: relay.GlobalID | None = strawberry.field(
        default=None, description="The station hosting it."
    )
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="Its district; default the station's, else the organisation's."
    )
    checkin_radius_m: int = strawberry.field(
        default=200, description="Check-in radius (10-5000 m)."
    )
    min_age: int = strawberry.field(default=0, description="Minimum age (0-100).")
    signup_deadline_minutes: int = strawberry.field(
        default=0, description="Sign-ups close this long before each session."
    )
    signup_method: SignUpMethod = strawberry.field(
        default=SignUpMethod.INSTANT, description="Instant, or the organiser approves."
    )
    grants_qualification: Skill | None = strawberry.field(
        default=None, description="For a TRAINING: what a pass certifies."
    )
    qualification_valid_days: int = strawberry.field(
        default=0, description="For a TRAINING: how long it is valid (1-3660 days)."
    )


@strawberry.input(description="An activity to act on.")
class ActivityInput:
    activity: relay.GlobalID = strawberry.field(description="The activity.")


@strawberry.input(description="The district's decision on a submitted activity.")
class DecideActivityInput:
    activity: relay.GlobalID = strawberry.field(description="The activity.")
    approved: bool = strawberry.field(description="Publish it, or send it back to DRAFT.")


@strawberry.input(description="A sign-up for one session and position.")
class SignUpForActivityInput:
    session: relay.GlobalID = strawberry.field(description="The session.")
    position: relay.GlobalID = strawberry.field(description="The position.")


@strawberry.input(description="A sign-up to act on.")
class ActivitySignUpInput:
    sign_up: relay.GlobalID = strawberry.field(description="The sign-up.")


@strawberry.input(description="The organiser's decision on a sign-up.")
class DecideSignUpInput:
    sign_up: relay.GlobalID = strawberry.field(description="The sign-up.")
    decision: Decision = strawberry.field(description="Approve, reject or remove.")
    note: str = strawberry.field(default="", description="Told to the volunteer (≤500).")


@strawberry.input(description="A trainer's mark for one participant.")
class TrainingResultInput:
    sign_up: relay.GlobalID = strawberry.field(description="The participant's sign-up.")
    passed: bool = strawberry.field(description="Passed: grants the training's qualification.")


ACTIVITY = ActivityErrorCode.ACTIVITY_NOT_FOUND
SIGN_UP = ActivityErrorCode.SIGN_UP_NOT_FOUND


def _activity_id(given: relay.GlobalID) -> int:
    return _id(given, "Activity", ACTIVITY, "activity")


def _sign_up_id(given: relay.GlobalID) -> int:
    return _id(given, "ActivitySignUp", SIGN_UP, "signUp")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create an activity as DRAFT (its organisation's admins).",
        extensions=[requires()],
    )
    async def create_activity(self, info: Info, input: CreateActivityInput) -> ActivityPayload:
        principal = info.context.principal

        async def call() -> Activity:
            recurrence = input.recurrence
            data = catalogue.NewActivity(
                organization_id=_id(
                    input.organization,
                    "Organization",
                    ActivityErrorCode.ORGANIZATION_NOT_FOUND,
                    "organization",
                ),
                title=input.title,
                category=input.category,
                address=input.address,
                lat=input.location.lat,
                lng=input.location.lng,
                positions=[
                    catalogue.NewPosition(
                        name=p.name,
                        quota=p.quota,
                        required_skills=[Skill(s) for s in p.required_skills],
                        required_qualifications=[Skill(s) for s in p.required_qualifications],
                    )
                    for p in input.positions
                ],
                sessions=[(s.starts_at, s.ends_at) for s in input.sessions],
                recurrence=catalogue.Recurrence(
                    weekdays=[d.upper() for d in recurrence.weekdays],
                    start_time=recurrence.start_time,
                    end_time=recurrence.end_time,
                    start_date=recurrence.start_date,
                    until=recurrence.until,
                    timezone=recurrence.timezone,
                )
                if recurrence
                else None,
                kind=input.kind,
                description=input.description,
                station_id=_id(
                    input.station, "Station", ActivityErrorCode.STATION_NOT_FOUND, "station"
                )
                if input.station
                else None,
                district_id=_id(
                    input.district, "District", ActivityErrorCode.INVALID_LOCATION, "district"
                )
                if input.district
                else None,
                checkin_radius_m=input.checkin_radius_m,
                min_age=input.min_age,
                signup_deadline_minutes=input.signup_deadline_minutes,
                signup_method=input.signup_method,
                grants_qualification=input.grants_qualification,
                qualification_valid_days=input.qualification_valid_days,
            )
            return await catalogue.create_activity(principal, data)

        return await _activity(call)

    @strawberry.mutation(
        description="Publish a draft (its organisation's admins); with "
        "ACTIVITY_PUBLISH_NEEDS_APPROVAL it goes to PENDING_APPROVAL for the district instead.",
        extensions=[requires()],
    )
    async def publish_activity(self, info: Info, input: ActivityInput) -> ActivityPayload:
        principal = info.context.principal
        return await _activity(lambda: catalogue.publish(principal, _activity_id(input.activity)))

    @strawberry.mutation(
        description="Approve a submitted activity, or send it back (DISPATCHER, ADMIN).",
        extensions=[requires()],
    )
    async def decide_activity(self, info: Info, input: DecideActivityInput) -> ActivityPayload:
        principal = info.context.principal
        return await _activity(
            lambda: catalogue.approve(principal, _activity_id(input.activity), input.approved)
        )

    @strawberry.mutation(
        description="Stop sign-ups; sessions stand (its organisation's admins).",
        extensions=[requires()],
    )
    async def close_activity(self, info: Info, input: ActivityInput) -> ActivityPayload:
        principal = info.context.principal
        return await _activity(lambda: catalogue.close(principal, _activity_id(input.activity)))

    @strawberry.mutation(
        description="Call it off with every sign-up (its organisation's admins).",
        extensions=[requires()],
    )
    async def cancel_activity(self, info: Info, input: ActivityInput) -> ActivityPayload:
        principal = info.context.principal
        return await _activity(lambda: catalogue.cancel(principal, _activity_id(input.activity)))

    @strawberry.mutation(
        description="Sign up for a session and position (volunteers): CONFIRMED, WAITLISTED "
        "when full (not an error), or PENDING under the approval method. Refusals: NOT_OPEN, "
        "SESSION_OVER, DEADLINE_PASSED, TOO_YOUNG, NOT_QUALIFIED, OVERLAPS, ALREADY_SIGNED_UP…",
        extensions=[requires()],
    )
    async def sign_up_for_activity(
        self, info: Info, input: SignUpForActivityInput
    ) -> SignUpPayload:
        principal = info.context.principal
        return await _sign_up(
            lambda: sign_ups.sign_up(
                principal,
                _id(
                    input.session, "ActivitySession", ActivityErrorCode.SESSION_NOT_FOUND, "session"
                ),
                _id(
                    input.position,
                    "ActivityPosition",
                    ActivityErrorCode.POSITION_NOT_FOUND,
                    "position",
                ),
            )
        )

    @strawberry.mutation(
        description="Withdraw your own sign-up (until ACTIVITY_CANCEL_CUTOFF_MINUTES before the "
        "session for a place); the first on the waiting list takes a freed place.",
        extensions=[requires()],
    )
    async def cancel_sign_up(self, info: Info, input: ActivitySignUpInput) -> SignUpPayload:
        principal = info.context.principal
        return await _sign_up(lambda: sign_ups.cancel_own(principal, _sign_up_id(input.sign_up)))

    @strawberry.mutation(
        description="Approve, reject or remove a sign-up (the organisation's admins).",
        extensions=[requires()],
    )
    async def decide_sign_up(self, info: Info, input: DecideSignUpInput) -> SignUpPayload:
        principal = info.context.principal
        return await _sign_up(
            lambda: sign_ups.decide(
                principal, _sign_up_id(input.sign_up), input.decision, input.note
            )
        )

    @strawberry.mutation(
        description="Mark a training participant's result once the session has begun (the "
        "trainer: an admin of the organising organisation); a pass, which needs the "
        "participant's check-in (NOT_ATTENDED), grants the qualification.",
        extensions=[requires()],
    )
    async def record_training_result(
        self, info: Info, input: TrainingResultInput
    ) -> TrainingResultPayload:
        principal = info.context.principal

        async def call() -> tuple[SignUp, Qualification | None]:
            return await training.record_result(principal, _sign_up_id(input.sign_up), input.passed)

        def present(result: tuple[SignUp, Qualification | None]) -> TrainingResultPayload:
            row, granted = result
            return TrainingResultPayload(
                sign_up=SignUpType.from_model(row),
                qualification=QualificationType.from_model(granted) if granted else None,
            )

        return await payload(TrainingResultPayload, call(), present)

    @strawberry.mutation(
        description="Issue your private iCalendar feed (volunteers); the previous one stops.",
        extensions=[requires()],
    )
    async def issue_calendar_feed(self, info: Info) -> CalendarFeedPayload:
        principal = info.context.principal
        return await payload(
            CalendarFeedPayload,
            calendar.issue_token(principal),
            lambda token: CalendarFeedPayload(path=f"/calendar/me/{token}.ics"),
        )
