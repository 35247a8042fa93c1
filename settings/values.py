"""The kinds of value a setting can hold, each parsed one way for every variable of its kind.

An environment variable is a string; these say how one becomes a flag, a duration, a list or
a URL, and what is refused. Messages start with what the value must be: the variable's name is
put in front of them when the settings are read (see `ConfigurationError`).
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

FLAG_SPELLINGS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}


def _flag(value: Any) -> Any:
    # pydantic's own bool also takes "t", "y" and the like; one short list for every flag.
    if isinstance(value, str):
        spelling = value.strip().lower()
        if spelling not in FLAG_SPELLINGS:
            raise ValueError("must be true/false, 1/0, yes/no or on/off")
        return FLAG_SPELLINGS[spelling]
    return value


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def url_with_scheme(*schemes: str, or_empty: bool = False) -> AfterValidator:
    """A URL whose scheme is one of `schemes` (or, `or_empty`, nothing at all). The message
    names the scheme only: these URLs may carry a password."""

    def check(value: str) -> str:
        if or_empty and not value:
            return value
        scheme, separator, _ = value.partition("://")
        if not separator or scheme.lower() not in schemes:
            given = f"'{scheme}://…'" if separator else "no scheme"
            *others, last = (f"{s}://" for s in schemes)
            raise ValueError(f"must start with {', '.join(others)} or {last} (got {given})")
        return value

    return AfterValidator(check)


def _origins(values: tuple[str, ...]) -> tuple[str, ...]:
    for origin in values:
        if origin == "*":
            continue
        try:
            parts = urlsplit(origin)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError as exc:
            raise ValueError(f"{origin!r} is not an origin like https://example.com") from exc
        extra = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
        if parts.scheme not in ("http", "https") or not parts.hostname or extra:
            raise ValueError(
                f"{origin!r} is not an origin like https://example.com (scheme, host and "
                "optional port, no path)"
            )
    return values


def _networks(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a network like 10.0.0.0/8") from exc
    return values


def _base_url(value: str) -> str:
    if not value.startswith("/") and urlsplit(value).scheme not in ("http", "https"):
        raise ValueError("must be a path like /media or an http(s) URL")
    # Keys are joined with "/": a trailing one would double it.
    return value.rstrip("/")


def is_public_url(value: str) -> bool:
    """An absolute http(s) URL whose host others can reach: not a path, not localhost, not a
    loopback or unspecified address."""
    parts = urlsplit(value)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


def _star_thresholds(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    if len(values) != 5 or list(values) != sorted(set(values)) or values[0] <= 0:
        raise ValueError("must be five increasing positive hour counts")
    return values


Flag = Annotated[bool, BeforeValidator(_flag)]
# Durations are floats: "2.5" seconds is as good a value as "20".
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeSeconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
# Names and choices are read whatever their case: `Annotated[Literal["a", "b"], Lowered]`.
Lowered = BeforeValidator(_lower)
Raised = BeforeValidator(_upper)
# NoDecode: a list is written "a,b,c", not as the JSON pydantic-settings reads by default.
CommaSeparated = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)]
Origins = Annotated[CommaSeparated, AfterValidator(_origins)]
Networks = Annotated[CommaSeparated, AfterValidator(_networks)]
BaseUrl = Annotated[str, AfterValidator(_base_url)]
StarThresholds = Annotated[
    tuple[Amount, ...],
    NoDecode,
    BeforeValidator(_comma_separated),
    AfterValidator(_star_thresholds),
]
