"""Civic issues against the real server: photo uploads as real GraphQL multipart requests
(httpx), their CSRF guard, the stored photos served at /media, and a wall screen on a
WebSocket seeing each step of an issue's life."""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from strawberry import relay

from models.civic import CivicCategory, CivicIssue, CivicPhoto
from subscriptions import events
from tests.civic.support import GPS_IFD, civic_world, jpeg, png
from tests.conftest import Backend
from tests.live.test_dispatch import (  # noqa: F401 - an autouse fixture, used by being imported
    CHANNEL_PREFIX,
    LOGIN,
    PASSWORD,
    _event_high_water,
    event_ids_never_go_back,
)
from tests.server import ServerProcess
from tests.ws_client import authenticated

pytestmark = pytest.mark.server

MAX_PHOTO_BYTES = 150_000
REPORT = """mutation Report($input: ReportCivicIssueInput!) {
  reportCivicIssue(input: $input) {
    civicIssue { id status photos { phase url thumbnailUrl contentType width height size } }
    errors { code field }
  }
}"""
STEP = """mutation Step($input: {input}!) {{
  {field}(input: $input) {{ civicIssue {{ id status photos {{ phase url }} }} errors {{ code }} }}
}}"""
RECTIFY = STEP.format(input="RectifyCivicIssueInput", field="rectifyCivicIssue")
WALL = """subscription Wall($center: ID!) {
  dispatchFeed(dispatchCenter: $center) {
    cursor
    ... on CivicIssueEvent { eventType issueStatus civicIssueId }
    ... on DispatchEvent { type status orderId }
  }
}"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-media")


@pytest.fixture(scope="module")
async def server(backend: Backend, media_dir: Path) -> AsyncIterator[ServerProcess]:
    env: dict[str, str | None] = {
        "HUB_HEARTBEAT_SECONDS": "1",
        "BUS_CHANNEL_PREFIX": f"{CHANNEL_PREFIX}-civic",
        "MEDIA_DIR": str(media_dir),
        "MAX_PHOTO_BYTES": str(MAX_PHOTO_BYTES),
    }
    process = ServerProcess(backend.settings, env=env)
    # Its event reader starts where the log ends now: later tests' ids must continue above.
    _event_high_water[0] = max(_event_high_water[0], await events.latest_id())
    try:
        yield await process.astart()
    finally:
        await process.astop()
        process.close()


class Client:
    def __init__(self, server: ServerProcess, http: httpx.AsyncClient) -> None:
        self.server = server
        self.http = http

    async def login(self, username: str) -> str:
        body = await self.json(LOGIN, {"username": username, "password": PASSWORD})
        token: str = body["data"]["login"]["token"]
        return token

    async def json(
        self, document: str, variables: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            self.server.graphql_url,
            json={"query": document, "variables": variables},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def multipart(
        self,
        document: str,
        variables: dict[str, Any],
        files: list[tuple[str, bytes, str]],
        token: str,
        *,
        csrf: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The GraphQL multipart request spec: `operations` with nulls where the files go,
        `map` from part names to variable paths, then the parts."""
        variables["input"]["photos"] = [None] * len(files)
        operations = {"query": document, "variables": variables}
        mapping = {str(i): [f"variables.input.photos.{i}"] for i in range(len(files))}
        headers = {"authorization": f"Bearer {token}"}
        headers.update({"x-graphql-csrf": "1"} if csrf is None else csrf)
        return await self.http.post(
            self.server.graphql_url,
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files=[(str(i), (name, data, ctype)) for i, (name, data, ctype) in enumerate(files)],
            headers=headers,
        )


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Client(server, http)


async def report_variables() -> dict[str, Any]:
    category = await CivicCategory.get(code="ILLEGAL_ADVERTISING")
    return {
        "input": {
            "category": gid("CivicCategory", category.id),
            "description": "Small ads pasted all over the lamp post",
            "location": {"lat": 23.0837, "lng": 114.3828},
            "address": "惠城区江北文昌一路",
        }
    }


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def noise_jpeg(side: int = 400) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


async def test_a_multipart_report_is_cleaned_upright_and_served(
    client: Client, media_dir: Path
) -> None:
    await civic_world()
    token = await client.login("resident1")
    response = await client.multipart(
        REPORT,
        await report_variables(),
        [
            ("gps.jpg", jpeg(gps=True), "image/jpeg"),
            ("rotated.jpg", jpeg(64, 32, orientation=6), "image/jpeg"),
            ("really-a-png.jpg", png(), "image/jpeg"),
        ],
        token,
    )

    assert response.status_code == 200, response.text
    payload = response.json()["data"]["reportCivicIssue"]
    assert payload["errors"] == []
    gps, rotated, renamed = payload["civicIssue"]["photos"]
    assert (rotated["width"], rotated["height"]) == (32, 64)
    assert renamed["contentType"] == "image/png" and renamed["url"].endswith(".png")

    served = await client.http.get(client.server.url + gps["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(served.content)) as image:
        assert GPS_IFD not in image.getexif() and "comment" not in image.info
    assert b"secret" not in served.content
    upright = await client.http.get(client.server.url + rotated["url"])
    with Image.open(io.BytesIO(upright.content)) as image:
        assert image.size == (32, 64) and not image.getexif()
        # The marker painted in the raw top-left corner is, shown upright, top-right.
        red, _green, blue = image.convert("RGB").getpixel((image.width - 3, 2))  # type: ignore[misc]
        assert blue > 150 and red < 100
    thumbnail = await client.http.get(client.server.url + gps["thumbnailUrl"])
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    revalidated = await client.http.get(
        client.server.url + gps["url"], headers={"if-none-match": served.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert len(files_in(media_dir)) >= 6


async def test_bad_uploads_get_coded_errors_and_store_nothing(
    client: Client, media_dir: Path
) -> None:
    await civic_world()
    token = await client.login("resident1")
    before = files_in(media_dir)
    for files, expected in (
        (
            [("ok.jpg", jpeg(), "image/jpeg"), ("notes.jpg", b"Dear diary,\n", "image/jpeg")],
            [{"code": "UNSUPPORTED_IMAGE", "field": "photos.1"}],
        ),
        (
            [("huge.jpg", noise_jpeg(), "image/jpeg")],
            [{"code": "FILE_TOO_LARGE", "field": "photos.0"}],
        ),
    ):
        response = await client.multipart(REPORT, await report_variables(), files, token)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["reportCivicIssue"] == {
            "civicIssue": None,
            "errors": expected,
        }
    assert await CivicIssue.all().count() == 0 and await CivicPhoto.all().count() == 0
    assert files_in(media_dir) == before


async def test_a_multipart_request_without_the_csrf_header_is_refused(
    client: Client, media_dir: Path
) -> None:
    await civic_world()
    token = await client.login("resident1")
    before = files_in(media_dir)
    photo = [("a.jpg", jpeg(), "image/jpeg")]

    refused = await client.multipart(REPORT, await report_variables(), photo, token, csrf={})
    blank = await client.multipart(
        REPORT, await report_variables(), photo, token, csrf={"x-graphql-csrf": ""}
    )
    apollo = await client.multipart(
        REPORT, await report_variables(), photo, token, csrf={"apollo-require-preflight": "true"}
    )

    assert refused.status_code == blank.status_code == 400
    assert "x-graphql-csrf" in refused.text
    assert apollo.status_code == 200 and apollo.json()["data"]["reportCivicIssue"]["errors"] == []
    assert await CivicIssue.all().count() == 1
    assert len(files_in(media_dir)) == len(before) + 2


async def test_media_urls_are_not_a_way_into_the_file_system(
    client: Client, media_dir: Path
) -> None:
    (media_dir.parent / "secret.jpg").write_bytes(b"not for you")
    for path in (
        "/media/../secret.jpg",
        "/media/%2e%2e/secret.jpg",
        "/media/civic/..%2f..%2fsecret.jpg",
        "/media//etc/passwd",
        "/media/civic/2026/01/missing.jpg",
        "/media/civic/2026/01/x.txt",
    ):
        response = await client.http.get(client.server.url + path)
        assert response.status_code == 404, path
        assert b"not for you" not in response.content


async def test_report_to_verified_over_http_with_the_wall_on_a_websocket(
    client: Client,
) -> None:
    who = await civic_world()
    resident = await client.login("resident1")
    dispatcher = await client.login("dispatcher1")
    center = gid("DispatchCenter", who["centers"]["district"].id)
    async with authenticated(client.server.ws_url, dispatcher) as ws:
        await ws.subscribe("wall", WALL, {"center": center})
        reported = await client.multipart(
            REPORT, await report_variables(), [("a.jpg", jpeg(), "image/jpeg")], resident
        )
        issue = reported.json()["data"]["reportCivicIssue"]["civicIssue"]["id"]
        for field, input_type, token in (
            ("fileCivicIssue", "FileCivicIssueInput", dispatcher),
            ("dispatchCivicIssue", "DispatchCivicIssueInput", dispatcher),
            ("startRectification", "CivicIssueNoteInput", dispatcher),
        ):
            body = await client.json(
                STEP.format(input=input_type, field=field), {"input": {"issue": issue}}, token
            )
            assert body["data"][field]["errors"] == [], body
        rectified = await client.multipart(
            RECTIFY, {"input": {"issue": issue}}, [("after.png", png(), "image/png")], dispatcher
        )
        assert rectified.json()["data"]["rectifyCivicIssue"]["civicIssue"]["status"] == "RECTIFIED"
        verify = STEP.format(input="CivicIssueNoteInput", field="verifyCivicIssue")
        await client.json(verify, {"input": {"issue": issue}}, resident)

        seen = [(await ws.next_data("wall"))["dispatchFeed"] for _ in range(6)]
    assert [e["issueStatus"] for e in seen] == [
        "REPORTED",
        "FILED",
        "DISPATCHED",
        "RECTIFYING",
        "RECTIFIED",
        "VERIFIED",
    ]
    assert {e["civicIssueId"] for e in seen} == {issue}
