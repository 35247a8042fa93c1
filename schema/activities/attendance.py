"""Attendance at an activity's session: check-in and check-out on site, and the rotating code
the organisers' phone or the hosting station's screen shows (services/activities/attendance.py)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.activities.types import ActivityError, SignUpPayload, SignUpType
from schema.core.context import Info
from schema.core.errors import Payload, access_error, payload, payload_type
from schema.core.permissions import requires
from schema.core.relay import decode_id, id_of
from schema.dispatch.queries import attendance_code
from schema.dispatch.types import AttendanceCodeType, RecordType
from schema.volunteers.mutations import GeoPointInput
from services.activities import attendance
from services.activities.errors import ActivityErrorCode
from services.common.errors import AccessError, DomainError
from services.common.presence import Proof


@strawberry.input(description="Proof of presence at a session, for your confirmed sign-up.")
class SessionAttendanceInput:
    sign_up: relay.GlobalID = strawberry.field(description="Your confirmed sign-up.")
    code: str | None = strawberry.field(
        default=None,
        description="The rotating code shown on site (`sessionAttendanceCode`). This and/or "
        "`location` proves presence.",
    )
    location: GeoPointInput | None = strawberry.field(
        default=None,
        description="Where your phone is: within the session's check-in radius (a little "
        "farther, ATTENDANCE_FAR_TOLERANCE_M, is accepted and flagged).",
    )

    def proof(self) -> Proof:
        where = self.location
        return Proof(self.code, where.lat if where else None, where.lng if where else None)

    def sign_up_id(self) -> int:
        value = decode_id(self.sign_up, "ActivitySignUp")
        if value is None:
            raise DomainError(ActivityErrorCode.SIGN_UP_NOT_FOUND, "No such sign-up.", "signUp")
        return value


@payload_type(description="The service record a check-out filed, or why nothing changed.")
class SessionCheckOutPayload(Payload[ActivityError]):
    record: RecordType | None = strawberry.field(default=None, description="Null on errors.")


REFUSALS = (
    "Refusals: NOT_SIGNED_UP, ALREADY_CHECKED_IN, PROOF_REQUIRED, CODE_INVALID, CODE_EXPIRED, "
    "TOO_FAR, OUTSIDE_WINDOW, INVALID_LOCATION."
)


@strawberry.type
class AttendanceMutation:
    @strawberry.mutation(
        description="Check in to a session (the signed-up volunteer), on site, from "
        "ATTENDANCE_WINDOW_TOLERANCE_MINUTES before it starts. " + REFUSALS,
        extensions=[requires()],
    )
    async def check_in_to_session(self, info: Info, input: SessionAttendanceInput) -> SignUpPayload:
        principal = info.context.principal

        async def call() -> SignUpType:
            row = await attendance.check_in(principal, input.sign_up_id(), input.proof())
            return SignUpType.from_model(row)

        return await payload(SignUpPayload, call(), lambda row: SignUpPayload(sign_up=row))

    @strawberry.mutation(
        description="Check out of a session, on site as at check-in: files the PENDING "
        "service record, its hours clipped to the session and flagged where odd, for the "
        "organisers to confirm (NOT_CHECKED_IN, ALREADY_CHECKED_OUT, TOO_SHORT before "
        "ATTENDANCE_MIN_MINUTES of the session are served).",
        extensions=[requires()],
    )
    async def check_out_of_session(
        self, info: Info, input: SessionAttendanceInput
    ) -> SessionCheckOutPayload:
        principal = info.context.principal

        async def call() -> RecordType:
            row = await attendance.check_out(principal, input.sign_up_id(), input.proof())
            return RecordType.from_model(row)

        return await payload(
            SessionCheckOutPayload, call(), lambda row: SessionCheckOutPayload(record=row)
        )


@strawberry.type
class AttendanceQuery:
    @strawberry.field(
        description="The session's rotating attendance code and its QR symbol, for the "
        "organisers' phone or the hosting station's screen; null for a cancelled or unknown "
        "session. An admin of the organising organisation or of the hosting station's.",
        extensions=[requires()],
    )
    async def session_attendance_code(
        self, info: Info, session: relay.GlobalID
    ) -> AttendanceCodeType | None:
        try:
            _, code = await attendance.session_code(
                info.context.principal,
                id_of(session, "ActivitySession", "Query.sessionAttendanceCode(session:)"),
            )
        except DomainError:
            return None
        except AccessError as error:
            raise access_error(error) from error
        return attendance_code(code)
