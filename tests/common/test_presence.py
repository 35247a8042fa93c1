"""Proof of presence, the rules themselves: the rotating code (current and previous step
accepted, older ones expired, another subject's refused), the radius and its tolerance, the
check-in window, and the hours clipped to the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.common.presence import (
    Place,
    Proof,
    Refusal,
    Refused,
    Subject,
    check_in_window,
    check_presence,
    current_code,
    qr_svg,
    served,
)
from settings import get_settings

CLINIC = Place(23.0837, 114.3828, 200)
NOW = datetime(2026, 12, 5, 1, 0, 30, tzinfo=UTC)
# About 111 m of latitude per 0.001 degree.
METRES_PER_MILLIDEGREE = 111.2


def north(metres: float) -> Proof:
    return Proof(lat=CLINIC.lat + metres / METRES_PER_MILLIDEGREE / 1000, lng=CLINIC.lng)


def refusal(call: object, *args: object) -> Refusal:
    with pytest.raises(Refused) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.reason


def test_the_current_and_the_previous_code_are_accepted_and_older_ones_expire() -> None:
    step = timedelta(seconds=get_settings().attendance_code_step_seconds)
    shown = current_code(Subject.SESSION, 7, NOW).code
    assert len(shown) == 8 and shown != current_code(Subject.SESSION, 7, NOW + step).code
    for later in (timedelta(0), step):
        seen = check_presence(Subject.SESSION, 7, CLINIC, Proof(code=shown.lower()), NOW + later)
        assert seen.distance_m is None and not seen.far
    stale = Proof(code=shown)
    assert refusal(check_presence, Subject.SESSION, 7, CLINIC, stale, NOW + 2 * step) == (
        Refusal.CODE_EXPIRED
    )


def test_a_code_opens_only_its_own_subject() -> None:
    shown = Proof(code=current_code(Subject.SESSION, 7, NOW).code)
    for subject, subject_id in ((Subject.SESSION, 8), (Subject.ORDER, 7)):
        assert refusal(check_presence, subject, subject_id, CLINIC, shown, NOW) == (
            Refusal.CODE_INVALID
        )
    for typed in ("12345678", "x" * 200):
        assert refusal(check_presence, Subject.SESSION, 7, CLINIC, Proof(typed), NOW) == (
            Refusal.CODE_INVALID
        )


def test_a_position_inside_the_radius_proves_presence_a_little_beyond_is_flagged() -> None:
    tolerance = get_settings().attendance_far_tolerance_m
    inside = check_presence(Subject.ORDER, 1, CLINIC, north(150), NOW)
    assert inside.distance_m == pytest.approx(150, abs=2) and not inside.far
    assert check_presence(Subject.ORDER, 1, CLINIC, north(200 + tolerance - 20), NOW).far
    far = north(200 + tolerance + 50)
    assert refusal(check_presence, Subject.ORDER, 1, CLINIC, far, NOW) == Refusal.TOO_FAR
    # A valid code does not excuse a phone five kilometres away: a relayed photograph.
    relayed = Proof(code=current_code(Subject.ORDER, 1, NOW).code, lat=far.lat, lng=far.lng)
    assert refusal(check_presence, Subject.ORDER, 1, CLINIC, relayed, NOW) == Refusal.TOO_FAR


def test_no_proof_or_a_broken_position_is_refused() -> None:
    assert refusal(check_presence, Subject.ORDER, 1, CLINIC, Proof(), NOW) == (
        Refusal.PROOF_REQUIRED
    )
    for broken in (Proof(lat=23.0), Proof(lat=91.0, lng=114.0), Proof(lat=float("nan"), lng=1)):
        assert refusal(check_presence, Subject.ORDER, 1, CLINIC, broken, NOW) == (
            Refusal.INVALID_LOCATION
        )


def test_check_in_opens_the_tolerance_before_the_window_and_closes_before_its_end() -> None:
    settings = get_settings()
    start, end = NOW, NOW + timedelta(hours=2)
    early = timedelta(minutes=settings.attendance_window_tolerance_minutes)
    check_in_window(start, end, start - early)
    check_in_window(start, end, end - timedelta(minutes=settings.attendance_min_minutes))
    for at in (start - early - timedelta(seconds=1), start - timedelta(hours=6), end):
        assert refusal(check_in_window, start, end, at) == Refusal.OUTSIDE_WINDOW


def test_hours_are_clipped_to_the_window_and_a_token_attendance_files_nothing() -> None:
    start, end = NOW, NOW + timedelta(hours=2)
    early = served(start, end, start - timedelta(minutes=10), start + timedelta(minutes=90))
    assert early.hours == Decimal("1.50") and not early.beyond_window
    late = served(start, end, start, end + timedelta(hours=3))
    assert late.hours == Decimal("2.00") and late.beyond_window
    assert refusal(served, start, end, start, start + timedelta(seconds=3)) == Refusal.TOO_SHORT


def test_the_qr_symbol_is_an_svg_document() -> None:
    svg = qr_svg("ABCDEFGH")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
