"""GET /wall/<centre>: the page a dispatch centre's wall screen shows all day (api/static/wall/),
and GET /wall/districts.geojson: the districts' outlines its map draws.

The centre is its database id (what `volunteer-city create-wall-token` prints) or its exact
name. The page itself is static apart from the centre it names; it signs in with the credential
in its URL fragment, which browsers never send to a server, so no log ever sees it."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry import relay

from models.geography import District
from services import wall
from services.common.errors import DomainError

PAGE = Path(__file__).with_name("static") / "wall" / "wall.html"
HEADERS = {
    # Everything comes from this server: the screen has no internet, and nothing else may run.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
NOT_FOUND = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>未知调度中心 · Unknown dispatch centre</title>
<p>未知调度中心 · Unknown dispatch centre: {reference}</p></html>"""


@cache
def _template() -> str:
    return PAGE.read_text(encoding="utf-8")


async def wall_page(request: Request) -> HTMLResponse:
    reference = str(request.path_params["center"])
    try:
        center = await wall.find_center(reference)
    except DomainError:
        body = NOT_FOUND.format(reference=html.escape(reference))
        return HTMLResponse(body, status_code=404, headers=HEADERS)
    page = (
        _template()
        .replace(
            "{{center_id}}", html.escape(str(relay.GlobalID("DispatchCenter", str(center.id))))
        )
        .replace("{{center_name}}", html.escape(center.name))
    )
    return HTMLResponse(page, headers=HEADERS)


async def district_outlines(request: Request) -> Response:
    """The outlines bootstrap loaded, as a GeoJSON FeatureCollection keyed by the districts'
    global ids (what wallSnapshot names them by). Public reference data, nothing personal; a
    screen reads it once when it opens."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": str(relay.GlobalID("District", str(district.id))),
                "code": district.code,
                "name": district.name,
            },
            "geometry": orjson.Fragment(district.boundary or "null"),
        }
        for district in await District.filter(boundary__isnull=False)
        .exclude(boundary="")
        .order_by("id")
    ]
    body = orjson.dumps({"type": "FeatureCollection", "features": features})
    return Response(
        body,
        media_type="application/geo+json",
        headers={**HEADERS, "Cache-Control": "public, max-age=3600"},
    )
