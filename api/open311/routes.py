"""Open311 GeoReport v2 over HTTP, mounted at /open311/v2/ (wiki.open311.org/GeoReport_v2).

Every resource in both formats, chosen by the URL's extension (`services.xml`,
`requests/ABC.json`): service discovery, the service list and definitions, service requests
(GET with the spec's filters; POST with an `api_key`), single requests and tokens. Errors are
the spec's error document with its HTTP codes: 400 for bad arguments, 403 for a missing or
invalid api_key, 404 for what does not exist. Parsing and rendering only: the mapping and the
rules are in `services.open311*`; POST is read in `api.open311.create`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from api.open311.create import create
from api.open311.render import FORMATS, JSON, XML, Many, Value, errors, render, w3
from models.civic import CivicCategory
from services import civic
from services.common.errors import AccessError, DomainError, Problem
from services.open311 import (
    NOT_FOUND_CODES,
    RequestView,
    keywords,
    request_id_of_token,
    request_view,
    service,
)
from services.open311.search import RequestSearch, parse_datetime, search_requests
from settings import Settings

log = logging.getLogger("volunteer_city.open311")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
Handler = Callable[[Request, str], Awaitable[Response]]
# Every route takes every method, so that a wrong one is answered in Open311's error format.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _describe(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def endpoint(*methods: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """The format from the URL, the allowed methods, and every failure as an Open311 error."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            format = request.path_params["format"]
            if format not in FORMATS:
                return errors(XML, 404, [f"No format {format!r}: use .xml or .json."])
            if request.method not in allowed:
                response = errors(format, 405, [f"Use {' or '.join(methods)} here."])
                response.headers["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return await handler(request, format)
            except DomainError as error:
                status = 404 if error.problems[0].code in NOT_FOUND_CODES else 400
                return errors(format, status, [_describe(p) for p in error.problems])
            except AccessError as error:
                return errors(format, 403, [error.message])
            except Exception:
                log.exception("Open311 %s %s failed", request.method, request.url.path)
                return errors(format, 500, ["Unexpected error; try again later."])

        return run

    return wrap


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@endpoint("GET")
async def discovery(request: Request, format: str) -> Response:
    """Service Discovery (wiki.open311.org/Service_Discovery): all fields are required."""
    settings = _settings(request)
    base = str(request.url.replace(query="")).rsplit("/", 1)[0]
    document: dict[str, Value] = {
        "changeset": settings.open311_changeset,
        "contact": settings.open311_contact,
        "key_service": settings.open311_key_service,
        "endpoints": Many(
            "endpoint",
            [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": settings.open311_changeset,
                    "type": "production" if settings.is_production else "test",
                    "formats": Many("format", ["text/xml", "application/json"]),
                }
            ],
        ),
    }
    return render(format, "discovery", document)


def _service(category: CivicCategory) -> dict[str, str | bool]:
    return {
        "service_code": category.code,
        "service_name": category.name_en,
        "description": category.description,
        # No service asks for attributes, and every request gets its id at once.
        "metadata": False,
        "type": "realtime",
        "keywords": keywords(category),
        "group": category.group_name,
    }


@endpoint("GET")
async def service_list(request: Request, format: str) -> Response:
    services = [_service(category) for category in await civic.categories()]
    return render(format, "services", Many("service", services))


@endpoint("GET")
async def service_definition(request: Request, format: str) -> Response:
    """A known service without attributes (metadata false) has an empty attribute list; the
    spec's 404 is for a service_code that does not exist."""
    category = await service(request.path_params["service_code"])
    document: dict[str, Value] = {
        "service_code": category.code,
        "attributes": Many("attribute", []),
    }
    return render(format, "service_definition", document)


def _absolute(url: str | None, request: Request) -> str | None:
    """Stored media are served under a path of ours unless MEDIA_BASE_URL names a CDN."""
    if url is None or not url.startswith("/"):
        return url
    return f"{request.url.scheme}://{request.url.netloc}{url}"


def _request(view: RequestView, request: Request) -> dict[str, str | float | None]:
    """Every field of GET Service Request(s), in the spec's order; empty ones as null."""
    return {
        "service_request_id": view.service_request_id,
        "status": view.status,
        "status_notes": view.status_notes,
        "service_name": view.service_name,
        "service_code": view.service_code,
        "description": view.description,
        "agency_responsible": view.agency_responsible,
        "service_notice": view.service_notice,
        "requested_datetime": w3(view.requested_datetime),
        "updated_datetime": w3(view.updated_datetime),
        "expected_datetime": w3(view.expected_datetime),
        "address": view.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": view.lat,
        "long": view.long,
        "media_url": _absolute(view.media_url, request),
    }


def _values(request: Request, name: str) -> list[str] | None:
    """A list parameter, repeated or comma-delimited; empty is "not given" (spec: Optional
    Arguments)."""
    raw = request.query_params.getlist(name)
    values = [part.strip() for item in raw for part in item.split(",") if part.strip()]
    return values or None


def _dates(request: Request) -> dict[str, datetime | None]:
    dates: dict[str, datetime | None] = {}
    problems: list[Problem] = []
    for name in ("start_date", "end_date"):
        raw = request.query_params.get(name, "").strip()
        try:
            dates[name] = parse_datetime(raw, name) if raw else None
        except DomainError as error:
            problems += error.problems
    if problems:
        raise DomainError.many(problems)
    return dates


async def _search(request: Request, format: str) -> Response:
    dates = _dates(request)
    statuses = _values(request, "status")
    search = RequestSearch(
        service_request_ids=_values(request, "service_request_id"),
        service_codes=_values(request, "service_code"),
        start=dates["start_date"],
        end=dates["end_date"],
        statuses=[s.lower() for s in statuses] if statuses else None,
    )
    views = await search_requests(search)
    return render(
        format, "service_requests", Many("request", [_request(v, request) for v in views])
    )


@endpoint("GET", "POST")
async def service_requests(request: Request, format: str) -> Response:
    if request.method == "POST":
        return await create(request, format, _settings(request))
    return await _search(request, format)


@endpoint("GET")
async def service_request(request: Request, format: str) -> Response:
    view = await request_view(request.path_params["service_request_id"])
    return render(format, "service_requests", Many("request", [_request(view, request)]))


@endpoint("GET")
async def token(request: Request, format: str) -> Response:
    given = request.path_params["token"]
    found = {"service_request_id": await request_id_of_token(given), "token": given}
    return render(format, "service_requests", Many("request", [found]))


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    format = JSON if scope.get("path", "").endswith(".json") else XML
    await errors(format, 404, ["No such Open311 resource."])(scope, receive, send)


app = Router(
    routes=[
        Route("/discovery.{format}", discovery, methods=ANY_METHOD),
        Route("/services.{format}", service_list, methods=ANY_METHOD),
        Route("/services/{service_code}.{format}", service_definition, methods=ANY_METHOD),
        Route("/requests.{format}", service_requests, methods=ANY_METHOD),
        Route("/requests/{service_request_id}.{format}", service_request, methods=ANY_METHOD),
        Route("/tokens/{token}.{format}", token, methods=ANY_METHOD),
    ],
    default=_not_found,
)
