"""Proof of presence, the same rules for an activity's session and a service order.

A check-in or check-out is accepted when the volunteer shows that they are at the place, by
one of two proofs: the rotating code that the organiser's phone or the station's screen shows
(an HMAC of the place's subject and a time step: the current and the previous step's code are
accepted, so a code read a moment before the step turns still works), or their position within
the place's radius. A position a little beyond the radius (ATTENDANCE_FAR_TOLERANCE_M) is still
accepted, and flagged for the confirmer; one farther away is refused, even with a valid code (a
photographed code relayed to someone elsewhere). The time must be within the window, from
ATTENDANCE_WINDOW_TOLERANCE_MINUTES before it starts.

The domains turn a `Refused` into their own coded error (the codes are the same names)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import Enum

import segno

from services.common.distance import haversine_meters
from settings import get_settings

CODE_LENGTH = 8
# A code this many steps old is reported as expired rather than as wrong.
_EXPIRED_STEPS = 30


class Refusal(str, Enum):
    PROOF_REQUIRED = "PROOF_REQUIRED"
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    INVALID_LOCATION = "INVALID_LOCATION"
    TOO_FAR = "TOO_FAR"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    TOO_SHORT = "TOO_SHORT"


class Refused(Exception):
    def __init__(self, reason: Refusal, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field


class Subject(str, Enum):
    """What a code is for: a session's codes do not open an order, nor the reverse."""

    SESSION = "session"
    ORDER = "order"


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    radius_m: float


@dataclass(frozen=True)
class Proof:
    """What the volunteer's phone sends: the code it scanned and/or its position."""

    code: str | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Attendance:
    """An accepted check-in or check-out: how far from the place (when a position was given)
    and whether that was beyond the radius."""

    distance_m: float | None
    far: bool


def _step(at: datetime) -> int:
    return int(at.timestamp()) // get_settings().attendance_code_step_seconds


def _code_at(subject: Subject, subject_id: int, step: int) -> str:
    key = get_settings().secret_key.encode()
    message = f"attendance:{subject.value}:{subject_id}:{step}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    # Eight base32 characters (letters and 2-7): 40 bits, easy to type if the camera fails.
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


@dataclass(frozen=True)
class RotatingCode:
    code: str
    valid_until: datetime


def current_code(subject: Subject, subject_id: int, now: datetime | None = None) -> RotatingCode:
    """The code to show now, and when the next one replaces it (the one shown stays accepted
    for one more step after that)."""
    now = now or datetime.now(UTC)
    step = _step(now)
    seconds = get_settings().attendance_code_step_seconds
    valid_until = datetime.fromtimestamp((step + 1) * seconds, UTC)
    return RotatingCode(_code_at(subject, subject_id, step), valid_until)


def qr_svg(text: str) -> str:
    """The code as a QR symbol, an SVG document the screen shows as it is."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return out.getvalue().decode()


def _verify_code(subject: Subject, subject_id: int, given: str, now: datetime) -> None:
    code = given.strip().upper()
    step = _step(now)
    if len(code) == CODE_LENGTH:
        for age in range(_EXPIRED_STEPS):
            if hmac.compare_digest(code, _code_at(subject, subject_id, step - age)):
                if age <= 1:
                    return
                raise Refused(Refusal.CODE_EXPIRED, "This code has expired: scan it again.", "code")
    raise Refused(Refusal.CODE_INVALID, "This is not the code shown on site.", "code")


def _distance(place: Place, proof: Proof) -> float | None:
    if proof.lat is None and proof.lng is None:
        return None
    if (
        proof.lat is None
        or proof.lng is None
        or not (math.isfinite(proof.lat) and math.isfinite(proof.lng))
        or not (-90 <= proof.lat <= 90 and -180 <= proof.lng <= 180)
    ):
        raise Refused(Refusal.INVALID_LOCATION, "Give a latitude and a longitude.", "location")
    return haversine_meters(place.lat, place.lng, proof.lat, proof.lng)


def check_presence(
    subject: Subject, subject_id: int, place: Place, proof: Proof, now: datetime
) -> Attendance:
    """Raises `Refused` unless the proof shows the volunteer at the place at `now`."""
    has_code = bool(proof.code and proof.code.strip())
    distance = _distance(place, proof)
    if not has_code and distance is None:
        raise Refused(
            Refusal.PROOF_REQUIRED, "Scan the code shown on site, or share your position."
        )
    if has_code:
        assert proof.code is not None
        _verify_code(subject, subject_id, proof.code, now)
    far = False
    if distance is not None and distance > place.radius_m:
        if distance > place.radius_m + get_settings().attendance_far_tolerance_m:
            raise Refused(
                Refusal.TOO_FAR,
                f"You are {distance:.0f} m from the place; check in within {place.radius_m:.0f} m.",
                "location",
            )
        far = True
    return Attendance(distance, far)


def tolerance() -> timedelta:
    return timedelta(minutes=get_settings().attendance_window_tolerance_minutes)


def check_in_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A check-in opens the tolerance before the window and closes when too little of it is
    left to serve the shortest attendance (so whoever checks in can always check out)."""
    opens = starts_at - tolerance()
    closes = ends_at - timedelta(minutes=get_settings().attendance_min_minutes)
    if not opens <= now <= closes:
        raise Refused(
            Refusal.OUTSIDE_WINDOW,
            f"Check-in is open from {opens.isoformat()} to {closes.isoformat()}.",
        )


@dataclass(frozen=True)
class Served:
    hours: Decimal
    # Checked out after the window's end and its tolerance: the time after the end is cut.
    beyond_window: bool


def served(
    starts_at: datetime, ends_at: datetime, checked_in_at: datetime, now: datetime
) -> Served:
    """The hours of an attendance clipped to the window (the hours that count), or `Refused`
    while they are shorter than ATTENDANCE_MIN_MINUTES (the volunteer stays checked in)."""
    start, end = max(starts_at, checked_in_at), min(ends_at, now)
    seconds = max(0, int((end - start).total_seconds()))
    minimum = get_settings().attendance_min_minutes
    if seconds < minimum * 60:
        raise Refused(
            Refusal.TOO_SHORT,
            f"Check out after at least {minimum} minutes of the window served.",
        )
    hours = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return Served(hours, now > ends_at + tolerance())
