"""Open311 GeoReport v2 POST Service Request: a third-party app reports a civic issue.

The app proves itself with `api_key` (an API client with the `open311:write` scope), and the
report goes through `civic.report_issue` like any other (source OPEN311), so its photos are
checked and cleaned, it is routed, timelined and announced the same way, and GraphQL sees it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from models.civic import CivicIssue, CivicSource
from services import civic
from services.accounts import API_KEY_PREFIX, authenticate
from services.common.errors import Collector, DomainError, NotAuthenticated, NotPermitted, Problem
from services.common.principal import Principal, Scope
from services.open311 import service
from services.open311.errors import Open311ErrorCode

# The civic service's input names, as the Open311 parameters a client sent.
_PARAMETERS = {
    "category": "service_code",
    "description": "description",
    "address": "address_string",
    "location": "lat, long",
    "contactPhone": "phone",
    "contactEmail": "email",
    "contactName": "first_name, last_name",
    "photos": "media",
}
_INDEXED = re.compile(r"^photos\.(\d+)$")


@dataclass(frozen=True)
class Submission:
    """POST Service Request's arguments as sent (form fields are text); `media` are the files
    of a multipart request (the Media Handling extension of GeoReport v2)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    media_url: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media: Sequence[tuple[str, bytes]] = ()


async def client_for(api_key: str) -> Principal:
    """The API client of `api_key`, if it may create requests. Everything wrong with the key
    is the spec's 403; a user's sign-in token is not an API key."""
    key = api_key.strip()
    if not key:
        raise NotAuthenticated("api_key is missing: creating a request needs an API key.")
    principal = await authenticate(key) if key.startswith(API_KEY_PREFIX) else None
    if principal is None or principal.api_client_id is None:
        raise NotPermitted("Invalid api_key.")
    if not principal.has_scope(Scope.OPEN311_WRITE):
        raise NotPermitted("This api_key does not have the open311:write scope.")
    return principal


def _has_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def contact_name(first_name: str, last_name: str) -> str:
    """张 + 三 → 张三 (family name first, no space); John + Smith → John Smith."""
    first, last = first_name.strip(), last_name.strip()
    if _has_cjk(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _coordinates(submission: Submission, collector: Collector) -> tuple[float, float]:
    lat_text, long_text = submission.lat.strip(), submission.long.strip()
    if not lat_text and not long_text:
        if submission.address_string.strip() or submission.address_id.strip():
            collector.add(
                Open311ErrorCode.ADDRESS_NOT_GEOCODED,
                "Send lat and long: an address alone cannot be placed on the map here.",
                "lat, long",
            )
        else:
            collector.add(
                Open311ErrorCode.LOCATION_MISSING, "Send the place as lat and long.", "lat, long"
            )
        return 0.0, 0.0
    try:
        lat, long = float(lat_text), float(long_text)
    except ValueError:
        lat = long = math.nan
    if not (math.isfinite(lat) and math.isfinite(long)):
        collector.add(
            Open311ErrorCode.INVALID_COORDINATES,
            "lat and long must both be WGS84 decimal degrees.",
            "lat, long",
        )
    return lat, long


def _check(submission: Submission) -> tuple[float, float]:
    collector = Collector()
    if not submission.service_code.strip():
        collector.add(
            Open311ErrorCode.SERVICE_CODE_MISSING,
            "Send the service_code of one of the services.",
            "service_code",
        )
    lat, long = _coordinates(submission, collector)
    if submission.media_url.strip():
        collector.add(
            Open311ErrorCode.MEDIA_URL_NOT_ACCEPTED,
            "Linked media are not accepted: upload the photo itself as a multipart `media` "
            "file, so that it can be checked and its location data removed.",
            "media_url",
        )
    if len(submission.media) > civic.MAX_REPORT_PHOTOS:
        collector.add(
            Open311ErrorCode.TOO_MANY_MEDIA,
            f"At most {civic.MAX_REPORT_PHOTOS} media files.",
            "media",
        )
    collector.raise_if_any()
    return lat, long


def _as_parameter(problem: Problem) -> Problem:
    field = problem.field or ""
    indexed = _INDEXED.match(field)
    name = f"media.{indexed.group(1)}" if indexed else _PARAMETERS.get(field, field)
    return Problem(problem.code, problem.message, name or None)


async def submit(principal: Principal, submission: Submission) -> CivicIssue:
    """Creates the service request, or raises: SERVICE_NOT_FOUND for an unknown service_code,
    else every problem of the arguments at once (named by Open311 parameter), and then
    nothing is stored. The public never sees who reported it (anonymous), staff do."""
    if not principal.has_scope(Scope.OPEN311_WRITE):
        raise NotPermitted("This api_key does not have the open311:write scope.")
    code = submission.service_code.strip()
    category = await service(code) if code else None
    lat, long = _check(submission)
    assert category is not None, "a missing service_code is refused by _check"
    try:
        return await civic.report_issue(
            principal,
            category_code=category.code,
            # Optional in Open311, required by the command centre: the service's name says
            # what the problem is when the app sent no words of its own.
            description=submission.description.strip() or category.name_en,
            lat=lat,
            lng=long,
            address=submission.address_string,
            photos=submission.media,
            source=CivicSource.OPEN311,
            anonymous=True,
            contact_name=contact_name(submission.first_name, submission.last_name),
            contact_phone=submission.phone,
            contact_email=submission.email,
        )
    except DomainError as error:
        raise DomainError.many([_as_parameter(p) for p in error.problems]) from error
