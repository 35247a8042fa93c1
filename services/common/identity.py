"""Checks of the personal identifiers people type in: national ID numbers and phone numbers."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from models.volunteers import Gender
from settings import get_settings

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass(frozen=True)
class ParsedIdNumber:
    normalised: str
    birth_date: date
    gender: Gender


def parse_id_number(raw: str) -> ParsedIdNumber | None:
    """A mainland resident ID (GB 11643): 17 digits, an ISO 7064 MOD 11-2 check character, the
    birth date at 7-14 and the sex in the parity of the 17th digit. `None` when invalid."""
    value = raw.strip().upper()
    if not _ID_RE.match(value):
        return None
    checksum = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True)) % 11
    if _CHECK[checksum] != value[17]:
        return None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born.year < 1900 or born > date.today():
        return None
    gender = Gender.MALE if int(value[16]) % 2 else Gender.FEMALE
    return ParsedIdNumber(value, born, gender)


def make_id_number(region: str, born: date, sequence: int) -> str:
    """Builds a valid ID number; used by the demo data so that it passes the same checks."""
    body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    checksum = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11
    return body + _CHECK[checksum]


def id_number_hash(normalised: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def normalise_phone(raw: str) -> str | None:
    value = re.sub(r"[\s()]", "", raw)
    value = value.removeprefix("+86").removeprefix("0086")
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    return None


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
