"""Open311 GeoReport v2 over HTTP (the app in-process), field by field against the spec, in JSON
and in XML read with xml.etree: discovery, services, service definitions, requests (GET with
filters, POST with an API key, single requests, tokens) and the spec's errors."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from api.app import create_app
from models.civic import CivicCategory, CivicIssue, CivicPhoto
from services import accounts
from services.civic import lifecycle as civic_lifecycle
from services.common.principal import Scope
from services.common.storage import get_storage, media_url
from services.geography import default_reference
from tests.civic.support import GPS_IFD, civic_world, jpeg, report
from tests.conftest import Backend
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG
from tests.open311.support import (
    CREATED_FIELDS,
    DEFINITION_FIELDS,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    TOKEN_FIELDS,
    W3_UTC,
    children,
    error_json,
    error_xml,
    json_of,
    texts,
    xml_of,
)

BASE = "http://city.example"
V2 = "/open311/v2"


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


@pytest.fixture
async def who() -> dict[str, Any]:
    return await civic_world()


@pytest.fixture
async def api_key(who: dict[str, Any]) -> str:
    _, key = await accounts.create_api_client("Huizhou civic app", [Scope.OPEN311_WRITE])
    return key


def form(api_key: str, **overrides: str) -> dict[str, str]:
    values = {
        "api_key": api_key,
        "jurisdiction_id": "huizhou.gov.cn",
        "service_code": "MISSING_MANHOLE_COVER",
        "lat": str(HUICHENG_LAT),
        "long": str(HUICHENG_LNG),
        "address_string": "惠城区江北文昌一路 8 号",
        "description": "The drain cover at the crossing is gone",
        "email": "li.hua@example.cn",
        "first_name": "华",
        "last_name": "李",
        "phone": "13900139000",
        "device_id": "tt222111",
        "account_id": "123456",
    }
    values.update(overrides)
    return values


# Discovery and services


@pytest.mark.parametrize("format", ["json", "xml"])
async def test_discovery_has_every_required_field(http: httpx.AsyncClient, format: str) -> None:
    response = await http.get(f"{V2}/discovery.{format}")

    assert response.status_code == 200
    if format == "json":
        document = json_of(response)
        assert list(document) == DISCOVERY_FIELDS
        [endpoint] = document["endpoints"]
        assert list(endpoint) == ENDPOINT_FIELDS
        formats = endpoint["formats"]
    else:
        root = xml_of(response)
        assert (root.tag, children(root)) == ("discovery", DISCOVERY_FIELDS)
        endpoints = root.find("endpoints")
        assert endpoints is not None and children(endpoints) == ["endpoint"]
        element = endpoints[0]
        assert children(element) == ENDPOINT_FIELDS
        document, endpoint = texts(root), texts(element)
        formats = [f.text for f in element.iterfind("formats/format")]
    assert (
        document["changeset"]
        and document["contact"]
        and "open311:write" in (document["key_service"])
    )
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"{BASE}{V2}"
    assert endpoint["type"] == "test"
    assert formats == ["text/xml", "application/json"]


async def test_the_service_list_is_the_active_catalogue(http: httpx.AsyncClient) -> None:
    await civic_world()
    await CivicCategory.filter(code="NOISE").update(active=False)

    as_json = json_of(await http.get(f"{V2}/services.json"))
    root = xml_of(await http.get(f"{V2}/services.xml?jurisdiction_id=huizhou.gov.cn"))

    catalogue = default_reference().civic_categories
    expected = [seed for seed in catalogue if seed.code != "NOISE"]
    assert [s["service_code"] for s in as_json] == [seed.code for seed in expected]
    assert all(list(service) == SERVICE_FIELDS for service in as_json)
    parking = as_json[0]
    assert parking == {
        "service_code": "ILLEGAL_PARKING",
        "service_name": "Illegal parking",
        "description": "A vehicle blocking a pavement, fire lane, crossing or bus stop.",
        "metadata": False,
        "type": "realtime",
        "keywords": "违章停车, Illegal parking, Traffic",
        "group": "Traffic",
    }
    assert root.tag == "services" and set(children(root)) == {"service"}
    assert [children(service) for service in root] == [SERVICE_FIELDS] * len(expected)
    assert texts(root[0]) == {**parking, "metadata": "false"}


@pytest.mark.parametrize("format", ["json", "xml"])
async def test_a_service_without_attributes_has_an_empty_definition(
    http: httpx.AsyncClient, format: str
) -> None:
    await civic_world()

    response = await http.get(f"{V2}/services/ROAD_DAMAGE.{format}")

    assert response.status_code == 200
    if format == "json":
        assert json_of(response) == {"service_code": "ROAD_DAMAGE", "attributes": []}
    else:
        root = xml_of(response)
        assert (root.tag, children(root)) == ("service_definition", DEFINITION_FIELDS)
        assert root.findtext("service_code") == "ROAD_DAMAGE"
        assert children(root[1]) == []


async def test_an_unknown_service_is_404(http: httpx.AsyncClient) -> None:
    await civic_world()

    assert error_json(await http.get(f"{V2}/services/UFO.json"), 404) == [
        "service_code: No service has the service_code 'UFO'."
    ]
    assert len(error_xml(await http.get(f"{V2}/services/UFO.xml"), 404)) == 1


# Reading requests


async def test_a_request_field_by_field_in_both_formats(
    http: httpx.AsyncClient, who: dict[str, Any]
) -> None:
    issue = await report(who["resident"], anonymous=True)
    await civic_lifecycle.file_issue(who["dispatcher"], issue.id, note="立案")
    stored = await CivicIssue.get(id=issue.id)
    photo = await CivicPhoto.filter(issue_id=issue.id).order_by("id").first()
    assert photo is not None and stored.deadline is not None

    as_json = json_of(await http.get(f"{V2}/requests/{issue.token}.json"))
    root = xml_of(await http.get(f"{V2}/requests/{issue.token}.xml"))

    expected = {
        "service_request_id": issue.token,
        "status": "open",
        "status_notes": "Filed as a case. 立案",
        "service_name": "Littering and exposed garbage",
        "service_code": "LITTERING",
        "description": "Construction waste dumped beside the bus stop",
        "agency_responsible": "惠州市城市管理和综合执法局环境卫生管理处",
        "service_notice": (
            "惠州市城市管理和综合执法局环境卫生管理处 is responsible. The command centre files a "
            "report as a case or says why not; a filed case is to be rectified within 24 hours."
        ),
        "requested_datetime": stored.reported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_datetime": stored.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expected_datetime": stored.deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "address": "惠城区江北文昌一路 8 号",
        "address_id": None,
        "zipcode": None,
        "lat": HUICHENG_LAT,
        "long": HUICHENG_LNG,
        "media_url": f"{BASE}{media_url(photo.storage_key)}",
    }
    [request] = as_json
    assert list(request) == REQUEST_FIELDS
    assert request == expected
    assert re.match(W3_UTC, request["requested_datetime"])
    assert (root.tag, children(root)) == ("service_requests", ["request"])
    assert children(root[0]) == REQUEST_FIELDS
    assert texts(root[0]) == {
        **{k: "" if v is None else str(v) for k, v in expected.items()},
        "lat": str(HUICHENG_LAT),
        "long": str(HUICHENG_LNG),
    }


async def test_no_reporter_is_ever_shown(
    http: httpx.AsyncClient, who: dict[str, Any], api_key: str
) -> None:
    await report(who["supervisor"], anonymous=True)
    await http.post(f"{V2}/requests.json", data=form(api_key))

    bodies = [
        (await http.get(f"{V2}/requests.{format}")).content.decode() for format in ("json", "xml")
    ]

    for body in bodies:
        assert body.count("LITTERING") == 1 and body.count("MISSING_MANHOLE_COVER") == 1
        for private in ("supervisor1", "陈志愿", "李华", "华", "li.hua", "13900139000", "123456"):
            assert private not in body


async def test_requests_filtered_over_http(http: httpx.AsyncClient, who: dict[str, Any]) -> None:
    litter = await report(who["resident"])
    noise = await report(who["other"], category_code="NOISE")
    await civic_lifecycle.reject_issue(who["dispatcher"], noise.id, "Within permitted hours")

    async def ids(query: str) -> list[str]:
        response = await http.get(f"{V2}/requests.json?{query}")
        return [r["service_request_id"] for r in json_of(response)]

    assert await ids("") == [noise.token, litter.token]
    assert await ids("status=open") == [litter.token]
    assert await ids("status=open,closed&service_code=NOISE") == [noise.token]
    assert await ids("service_code=NOISE&service_code=LITTERING") == [noise.token, litter.token]
    assert await ids(f"service_request_id={litter.token},{noise.token}") == [
        litter.token,
        noise.token,
    ]
    # empty optional arguments are as if not given
    assert await ids("status=&start_date=&service_code=") == [noise.token, litter.token]
    assert await ids("start_date=2010-01-01T00:00:00Z&end_date=2010-03-01T00:00:00%2B08:00") == []
    root = xml_of(await http.get(f"{V2}/requests.xml?status=closed"))
    assert [r.findtext("service_request_id") for r in root] == [noise.token]


async def test_bad_request_arguments_are_400_with_every_problem(http: httpx.AsyncClient) -> None:
    await civic_world()
    cases = {
        "status=pending": ["status: status is open or closed, not pending."],
        "service_code=UFO": ["service_code: No service has the service_code UFO."],
        "start_date=yesterday&end_date=2010-01-01T00:00:00": [
            "start_date: start_date must be a w3 datetime with a zone, e.g. 2010-01-01T00:00:00Z.",
            "end_date: end_date must be a w3 datetime with a zone, e.g. 2010-01-01T00:00:00Z.",
        ],
        "start_date=2010-01-01T00:00:00Z&end_date=2010-06-01T00:00:00Z": [
            "end_date: start_date and end_date may not span more than 90 days."
        ],
    }
    for query, expected in cases.items():
        assert error_json(await http.get(f"{V2}/requests.json?{query}"), 400) == expected
        assert error_xml(await http.get(f"{V2}/requests.xml?{query}"), 400) == expected


async def test_unknown_requests_and_tokens_are_404(http: httpx.AsyncClient) -> None:
    assert error_json(await http.get(f"{V2}/requests/NOPE.json"), 404) == [
        "service_request_id: No service request has the id 'NOPE'."
    ]
    assert error_xml(await http.get(f"{V2}/tokens/NOPE.xml"), 404) == ["token: No token 'NOPE'."]


async def test_a_token_maps_to_its_service_request_id(
    http: httpx.AsyncClient, who: dict[str, Any]
) -> None:
    issue = await report(who["resident"])

    as_json = json_of(await http.get(f"{V2}/tokens/{issue.token.lower()}.json"))
    root = xml_of(await http.get(f"{V2}/tokens/{issue.token}.xml"))

    assert as_json == [{"service_request_id": issue.token, "token": issue.token.lower()}]
    assert (root.tag, children(root), children(root[0])) == (
        "service_requests",
        ["request"],
        TOKEN_FIELDS,
    )


# Creating requests


@pytest.mark.parametrize("format", ["json", "xml"])
async def test_an_app_creates_a_request_form_encoded(
    http: httpx.AsyncClient, api_key: str, format: str
) -> None:
    response = await http.post(f"{V2}/requests.{format}", data=form(api_key))

    assert response.status_code == 201, response.text
    if format == "json":
        [created] = json_of(response)
        assert list(created) == CREATED_FIELDS
    else:
        root = xml_of(response)
        assert (root.tag, children(root), children(root[0])) == (
            "service_requests",
            ["request"],
            CREATED_FIELDS,
        )
        created = {k: v or None for k, v in texts(root[0]).items()}
    issue = await CivicIssue.get(token=created["service_request_id"])
    assert created["account_id"] is None
    assert "within 4 hours" in created["service_notice"]
    assert (issue.contact_name, issue.contact_email, issue.anonymous) == (
        "李华",
        "li.hua@example.cn",
        True,
    )
    [request] = json_of(await http.get(f"{V2}/requests/{issue.token}.json"))
    assert (request["status"], request["service_code"], request["media_url"]) == (
        "open",
        "MISSING_MANHOLE_COVER",
        None,
    )


async def test_an_app_uploads_photos_as_multipart_media(
    http: httpx.AsyncClient, api_key: str
) -> None:
    files = [
        ("media", ("drain.jpg", jpeg(gps=True), "image/jpeg")),
        ("media", ("wide.jpg", jpeg(96, 32), "application/octet-stream")),
    ]

    response = await http.post(f"{V2}/requests.json", data=form(api_key), files=files)

    assert response.status_code == 201, response.text
    [created] = json_of(response)
    photos = await CivicPhoto.filter(issue__token=created["service_request_id"]).order_by("id")
    assert [p.width for p in photos] == [64, 96]
    data = await get_storage().get(photos[0].storage_key)
    assert data is not None
    with Image.open(io.BytesIO(data)) as stored:
        assert GPS_IFD not in stored.getexif()
    [request] = json_of(await http.get(f"{V2}/requests/{created['service_request_id']}.json"))
    assert request["media_url"] == f"{BASE}{media_url(photos[0].storage_key)}"


async def test_a_missing_or_invalid_api_key_is_403(
    http: httpx.AsyncClient, api_key: str, media_storage: Path
) -> None:
    _, reader = await accounts.create_api_client("Reader", [Scope.READ])
    cases = {
        "": ["api_key is missing: creating a request needs an API key."],
        "vc_123_wrong": ["Invalid api_key."],
        reader: ["This api_key does not have the open311:write scope."],
    }
    for key, expected in cases.items():
        response = await http.post(f"{V2}/requests.json", data=form(key))
        assert error_json(response, 403) == expected
        assert error_xml(await http.post(f"{V2}/requests.xml", data=form(key)), 403) == expected
    assert await CivicIssue.all().count() == 0


async def test_bad_arguments_of_a_new_request_are_400_or_404(
    http: httpx.AsyncClient, api_key: str
) -> None:
    async def post(format: str = "json", **fields: str) -> httpx.Response:
        return await http.post(f"{V2}/requests.{format}", data=form(api_key, **fields))

    assert error_json(await post(service_code="UFO"), 404) == [
        "service_code: No service has the service_code 'UFO'."
    ]
    assert error_json(await post(service_code="", lat="", long="", address_string=""), 400) == [
        "service_code: Send the service_code of one of the services.",
        "lat, long: Send the place as lat and long.",
    ]
    assert error_xml(await post("xml", lat="", long=""), 400) == [
        "lat, long: Send lat and long: an address alone cannot be placed on the map here."
    ]
    assert error_json(await post(media_url="http://img.example/1.jpg"), 400) == [
        "media_url: Linked media are not accepted: upload the photo itself as a multipart "
        "`media` file, so that it can be checked and its location data removed."
    ]
    assert error_json(await post(lat="31.23", phone="12345"), 400) == [
        "lat, long: The place must be in Huizhou.",
        "phone: Not a phone number.",
    ]
    bad_photo = await http.post(
        f"{V2}/requests.json",
        data=form(api_key),
        files=[("media", ("a.jpg", b"not a photo", "image/jpeg"))],
    )
    assert error_json(bad_photo, 400) == ["media.0: Only JPEG, PNG and WebP photos are accepted."]
    as_json = await http.post(
        f"{V2}/requests.json",
        content=b'{"service_code": "ROAD_DAMAGE"}',
        headers={"content-type": "application/json"},
    )
    assert len(error_json(as_json, 400)) == 1

    async def chunks() -> AsyncIterator[bytes]:
        yield f"api_key={api_key}&service_code=NOISE".encode()

    form_type = {"content-type": "application/x-www-form-urlencoded"}
    chunked = await http.post(f"{V2}/requests.json", content=chunks(), headers=form_type)
    assert error_json(chunked, 400) == ["Send a Content-Length."]
    huge = await http.post(
        f"{V2}/requests.json", content=b"x", headers={**form_type, "content-length": "99999999"}
    )
    assert error_json(huge, 400) == ["The request is larger than 26214400 bytes."]
    assert await CivicIssue.all().count() == 0


async def test_unknown_formats_paths_and_methods(http: httpx.AsyncClient) -> None:
    assert error_xml(await http.get(f"{V2}/services.csv"), 404) == [
        "No format 'csv': use .xml or .json."
    ]
    assert error_json(await http.get(f"{V2}/nothing.json"), 404) == ["No such Open311 resource."]
    deleted = await http.delete(f"{V2}/requests.json")
    assert error_json(deleted, 405) == ["Use GET or POST here."]
    assert deleted.headers["allow"] == "GET, HEAD, POST"


async def test_an_unexpected_failure_is_500_without_its_details(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("connection string postgres://admin:hunter2@db/prod")

    monkeypatch.setattr("api.open311.routes.search_requests", broken)

    response = await http.get(f"{V2}/requests.xml")

    assert error_xml(response, 500) == ["Unexpected error; try again later."]
    assert b"hunter2" not in response.content
