"""Open311 against the real server (`volunteer-city serve` in a subprocess), as a third-party app
would use it over HTTP: discovery, a multipart POST with a photo, reading it back in the other
format, fetching its media_url, seeing it in GraphQL, and the spec's errors."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from services import accounts
from services.common.principal import Scope
from tests.civic.support import GPS_IFD, civic_world, jpeg
from tests.conftest import Backend
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG
from tests.open311.support import (
    CREATED_FIELDS,
    REQUEST_FIELDS,
    children,
    error_json,
    error_xml,
    json_of,
    xml_of,
)
from tests.server import ServerProcess

pytestmark = pytest.mark.server

SOURCE = "query ($token: String!) { civicIssueByToken(token: $token) { source status } }"


@pytest.fixture(scope="module")
async def server(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServerProcess]:
    media_dir: Path = tmp_path_factory.mktemp("open311-media")
    process = ServerProcess(backend.settings, env={"MEDIA_DIR": str(media_dir)})
    try:
        yield await process.astart()
    finally:
        await process.astop()
        process.close()


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=15) as client:
        yield client


async def test_an_app_reports_and_follows_a_request_over_http(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    # given the catalogue and an app's key
    await civic_world()
    _, key = await accounts.create_api_client("Huizhou civic app", [Scope.OPEN311_WRITE])
    v2 = f"{server.url}/open311/v2"

    # when the app discovers the endpoint and posts a request with a photo, in XML
    discovery = xml_of(await http.get("/open311/v2/discovery.xml"))
    posted = await http.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": key,
            "service_code": "STREETLIGHT_OUT",
            "lat": str(HUICHENG_LAT),
            "long": str(HUICHENG_LNG),
            "address_string": "惠城区江北文昌一路 8 号",
            "description": "Three lamps out along the river walk",
        },
        files=[("media", ("lamp.jpg", jpeg(gps=True), "image/jpeg"))],
    )

    # then it is created, and readable back in JSON with an absolute media_url that serves
    # the cleaned photo, and GraphQL sees the same issue
    assert discovery.findtext("endpoints/endpoint/url") == v2
    assert posted.status_code == 201, posted.text
    created = xml_of(posted)
    assert children(created[0]) == CREATED_FIELDS
    token = created.findtext("request/service_request_id")
    assert token
    [request] = json_of(await http.get(f"/open311/v2/requests.json?service_request_id={token}"))
    assert list(request) == REQUEST_FIELDS
    assert (request["status"], request["service_code"]) == ("open", "STREETLIGHT_OUT")
    assert request["media_url"].startswith(f"{server.url}/media/civic/")
    photo = await http.get(request["media_url"])
    assert (photo.status_code, photo.headers["content-type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(photo.content)) as image:
        assert GPS_IFD not in image.getexif()
    graphql = await http.post("/graphql", json={"query": SOURCE, "variables": {"token": token}})
    found = graphql.json()["data"]["civicIssueByToken"]
    assert found == {"source": "OPEN311", "status": "REPORTED"}


async def test_errors_over_http_are_the_specs(http: httpx.AsyncClient) -> None:
    await civic_world()

    no_key = await http.post("/open311/v2/requests.xml", data={"service_code": "NOISE"})
    unknown = await http.get("/open311/v2/services/UFO.json")
    bad_status = await http.get("/open311/v2/requests.json?status=pending")

    assert error_xml(no_key, 403) == ["api_key is missing: creating a request needs an API key."]
    assert error_json(unknown, 404) == ["service_code: No service has the service_code 'UFO'."]
    assert error_json(bad_status, 400) == ["status: status is open or closed, not pending."]
