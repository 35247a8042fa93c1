"""`GET /exports/{volunteers|service-records}.{jsonl|csv}?since=&cursor=&limit=`: the national
volunteer system's sync (services/exports/), streamed.

The page's end is known before the first row is sent, so the cursor to continue from travels in
the headers: `X-Next-Cursor` (the position after this page's last row: pass it as `cursor` for
the next page, or to the next sync to get only what changed since) and `X-Has-More`; a `Link:
<…>; rel="next"` header repeats it while more rows wait. Bad parameters are a 400 with coded
errors, all of them at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from strawberry import relay

from api.auth import principal_of
from services import exports
from services.common.errors import AccessError, NotAuthenticated
from services.exports import Dataset, Position

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
# Exported ids are the API's global IDs, so that an app can look a row up with `node(id:)`.
GLOBAL_IDS = {
    Dataset.VOLUNTEERS: {"id": "Volunteer"},
    Dataset.SERVICE_RECORDS: {
        "id": "ServiceRecord",
        "volunteerId": "Volunteer",
        "orderId": "ServiceOrder",
    },
}


def _problem(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": code}
    if field:
        extensions["field"] = field
    return {"message": message, "extensions": extensions}


def _errors(status: int, *problems: dict[str, Any], **headers: str) -> JSONResponse:
    return JSONResponse({"errors": list(problems)}, status_code=status, headers=headers or None)


def _since(raw: str | None, problems: list[dict[str, Any]]) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        problems.append(
            _problem(
                "INVALID_SINCE", "An ISO 8601 time with its zone, e.g. 2026-01-01T00:00Z.", "since"
            )
        )
        return None
    return value.astimezone(UTC)


def _limit(raw: str | None, problems: list[dict[str, Any]]) -> int:
    if raw is None or raw == "":
        return exports.DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= exports.MAX_LIMIT:
        problems.append(
            _problem("INVALID_LIMIT", f"A whole number from 1 to {exports.MAX_LIMIT}.", "limit")
        )
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _shaped(dataset: Dataset, row: dict[str, Any]) -> dict[str, Any]:
    ids = GLOBAL_IDS[dataset]
    return {
        name: str(relay.GlobalID(ids[name], str(value))) if name in ids else _plain(value)
        for name, value in row.items()
    }


async def _jsonl(window: exports.Window) -> AsyncIterator[bytes]:
    async for row in exports.rows(window):
        yield orjson.dumps(_shaped(window.dataset, row)) + b"\n"


async def _csv(window: exports.Window) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exports.field_names(window.dataset))
    async for row in exports.rows(window):
        shaped = _shaped(window.dataset, row)
        if isinstance(shaped.get("skills"), list):
            shaped["skills"] = ";".join(shaped["skills"])
        writer.writerow(shaped.values())
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def export(request: Request) -> Response:
    dataset_name, fmt = request.path_params["dataset"], request.path_params["format"]
    dataset = next((d for d in Dataset if d.value == dataset_name), None)
    if dataset is None or fmt not in MEDIA_TYPES:
        return _errors(404, _problem("NOT_FOUND", "No such export."))
    try:
        exports.require_export_scope(principal_of(request))
    except NotAuthenticated as error:
        problem = _problem(error.code.value, "An API key with the `export` scope is required.")
        return _errors(401, problem, **{"WWW-Authenticate": "Bearer"})
    except AccessError as error:
        return _errors(403, _problem(error.code.value, str(error)))

    problems: list[dict[str, Any]] = []
    params = request.query_params
    since = _since(params.get("since"), problems)
    limit = _limit(params.get("limit"), problems)
    after = None
    if params.get("cursor"):
        after = Position.decode(params["cursor"], dataset)
        if after is None:
            problems.append(_problem("INVALID_CURSOR", "Not a cursor of this export.", "cursor"))
    if problems:
        return _errors(400, *problems)

    settle = request.app.state.settings.export_settle_seconds
    horizon = datetime.now(UTC) - timedelta(seconds=settle)
    window = await exports.plan(dataset, since, after, limit, horizon)
    headers = {"X-Has-More": "true" if window.has_more else "false"}
    next_position = window.last or after
    if next_position is not None:
        cursor = next_position.encode(dataset)
        headers["X-Next-Cursor"] = cursor
        if window.has_more:
            query = {k: v for k, v in params.items() if k != "cursor"} | {"cursor": cursor}
            headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    body = _jsonl(window) if fmt == "jsonl" else _csv(window)
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)
