"""iCalendar feeds for phones' calendar apps (services/activities/calendar.py):
`GET /calendar/activities/{id}.ics` — an activity's sessions, public once it is published (`id`
is the activity's global ID, as the API gives it) — and `GET /calendar/me/{token}.ics` — the
volunteer's own sign-ups behind the secret token `calendarFeedToken` issued. Calendar apps send
no bearer token, so the private feed is authorised by its URL alone; rotating the token revokes
an old URL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry import relay

from services.activities import calendar

MEDIA_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes | None, cache: str) -> Response:
    if body is None:
        return PlainTextResponse("No such calendar.", status_code=404)
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": cache})


async def activity_calendar(request: Request) -> Response:
    given = str(request.path_params["activity"])
    try:
        global_id = relay.GlobalID.from_id(given)
    except ValueError:
        return _ics(None, "")
    if global_id.type_name != "Activity" or not global_id.node_id.isdigit():
        return _ics(None, "")
    return _ics(await calendar.activity_feed(int(global_id.node_id)), "public, max-age=300")


async def my_calendar(request: Request) -> Response:
    body = await calendar.volunteer_feed(str(request.path_params["token"]))
    # Private: shared caches must not keep one volunteer's schedule.
    return _ics(body, "private, max-age=300")
