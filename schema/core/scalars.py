"""The Date, DateTime, Time, Decimal and Upload scalars, each with its `@specifiedBy`, and strict
where strawberry's are lenient: a DateTime always reaches a service with its zone (one given
without is Huizhou wall-clock time, as `cityStatistics(asOf:)` has always read it), every date
lies in the years the city's data can hold, and a Decimal is a finite number of sane size. A bad
value is a coded top-level error (BAD_USER_INPUT), never an exception deep inside a service;
schema.core.inputs names the argument or input field it was given to."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLError, StringValueNode, ValueNode
from strawberry.file_uploads import Upload
from strawberry.types.scalar import ScalarDefinition

# Wide enough for any birth date, service record or plan; narrow enough that a date plus or
# minus a year, or in the city's zone, is still a date Python and both databases can hold.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
MIN_DATETIME = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
MAX_DATETIME = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
# Hours and credits are stored with two decimals and a handful of digits; anything beyond
# these bounds is no amount at all, and a service would only choke on it (1e999999999).
MAX_DECIMAL_DIGITS = 30
MAX_DECIMAL_EXPONENT = 15
MAX_TEXT_LENGTH = 64

INVALID_CODE = "BAD_USER_INPUT"
CITY_ZONE = ZoneInfo("Asia/Shanghai")


def invalid(type_name: str, message: str) -> GraphQLError:
    return GraphQLError(
        f"Not a valid {type_name}: {message}", extensions={"code": INVALID_CODE, "type": type_name}
    )


def _text(value: object, type_name: str) -> str:
    if not isinstance(value, str):
        raise invalid(type_name, "expected a string.")
    if len(value) > MAX_TEXT_LENGTH:
        raise invalid(type_name, f"longer than {MAX_TEXT_LENGTH} characters.")
    return value


def parse_datetime(value: object) -> dt.datetime:
    text = _text(value, "DateTime")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise invalid("DateTime", "expected ISO 8601, e.g. 2026-05-01T08:00:00+08:00.") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=CITY_ZONE)
    # Compared as dates first: the UTC instant of 0001-01-01T00:00+14:00 is no datetime at all.
    if not MIN_DATE <= parsed.date() <= MAX_DATE or not (
        MIN_DATETIME <= parsed.astimezone(dt.UTC) < MAX_DATETIME
    ):
        raise invalid("DateTime", f"must lie in the years {MIN_DATE.year}-{MAX_DATE.year}.")
    return parsed


def parse_date(value: object) -> dt.date:
    text = _text(value, "Date")
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        raise invalid("Date", "expected ISO 8601, e.g. 2026-05-01.") from None
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise invalid("Date", f"must lie in the years {MIN_DATE.year}-{MAX_DATE.year}.")
    return parsed


def parse_decimal(value: object) -> decimal.Decimal:
    # A JSON number is accepted as its text, as strawberry's own Decimal does; a boolean is not.
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    text = _text(value, "Decimal")
    try:
        parsed = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        raise invalid("Decimal", "expected a number such as 1.5.") from None
    if not parsed.is_finite():
        raise invalid("Decimal", "must be a finite number.")
    # No arithmetic on the value yet: abs(Decimal("1e999999999")) already overflows.
    digits, exponent = parsed.as_tuple().digits, int(parsed.as_tuple().exponent)
    if exponent < -MAX_DECIMAL_DIGITS:
        raise invalid("Decimal", f"at most {MAX_DECIMAL_DIGITS} decimals.")
    if len(digits) > MAX_DECIMAL_DIGITS or (parsed and parsed.adjusted() >= MAX_DECIMAL_EXPONENT):
        raise invalid("Decimal", f"must be less than 10^{MAX_DECIMAL_EXPONENT} in size.")
    return parsed


def parse_time(value: object) -> dt.time:
    text = _text(value, "Time")
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise invalid("Time", "expected ISO 8601, e.g. 09:30 or 09:30:00.") from None


def _upload(value: object) -> object:
    # The multipart request puts the file itself into the variables; strawberry checks it is one.
    return value


def hundredths(value: object) -> decimal.Decimal:
    """Hours and credits as the API shows them: a Decimal with exactly two decimals ("2.00"),
    whatever the backend returned (SQLite sums decimals as floats)."""
    return decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"), decimal.ROUND_HALF_UP)


def _literal(
    parse: Callable[[object], Any], type_name: str
) -> Callable[[ValueNode, dict[str, Any] | None], Any]:
    def parse_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
        if isinstance(node, StringValueNode):
            return parse(node.value)
        value = getattr(node, "value", None)
        if type_name == "Decimal" and isinstance(value, str):
            return parse(value)
        if type_name == "Upload":
            raise invalid(type_name, "a file comes as a part of a multipart request.")
        raise invalid(type_name, "expected a string.")

    return parse_literal


def _definition(
    name: str,
    origin: type,
    parse: Callable[[object], Any],
    description: str,
    specified_by_url: str,
    serialize: Callable[[Any], Any],
) -> ScalarDefinition:
    return ScalarDefinition(
        name=name,
        description=description,
        specified_by_url=specified_by_url,
        serialize=serialize,
        parse_value=parse,
        parse_literal=_literal(parse, name),
        origin=origin,
    )


SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.datetime: _definition(
        "DateTime",
        dt.datetime,
        parse_datetime,
        "A date and time, ISO 8601 (2026-05-01T08:00:00+08:00), in the years "
        f"{MIN_DATE.year}-{MAX_DATE.year}; one without an offset is Huizhou time (UTC+8).",
        "https://www.rfc-editor.org/rfc/rfc3339",
        dt.datetime.isoformat,
    ),
    dt.date: _definition(
        "Date",
        dt.date,
        parse_date,
        f"A calendar date, ISO 8601 (2026-05-01), in the years {MIN_DATE.year}-{MAX_DATE.year}.",
        "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        dt.date.isoformat,
    ),
    dt.time: _definition(
        "Time",
        dt.time,
        parse_time,
        "A time of day, ISO 8601 (09:30 or 09:30:00), wall-clock time in the zone its "
        "context names.",
        "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        dt.time.isoformat,
    ),
    Upload: _definition(
        "Upload",
        bytes,
        _upload,
        "A file, sent as a part of a GraphQL multipart request (its variable is null in the "
        "operations part and mapped to the file part).",
        "https://github.com/jaydenseric/graphql-multipart-request-spec",
        _upload,
    ),
    decimal.Decimal: _definition(
        "Decimal",
        decimal.Decimal,
        parse_decimal,
        'A fixed-point number as a string ("1.50"): finite, less than '
        f"10^{MAX_DECIMAL_EXPONENT} in size, at most {MAX_DECIMAL_DIGITS} digits and decimals.",
        "https://speleotrove.com/decimal/daconvs.html",
        str,
    ),
}
