"""The real server against malformed and hostile input: bodies it cannot parse, clients that go
away, over-long values in logs, graphql-transport-ws messages of the wrong shape, frames over
the limit, photos that decode to a lot of memory, and too many uploads from one address."""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from strawberry import relay
from websockets.exceptions import ConnectionClosed

from models.civic import CivicCategory
from services import accounts
from services.common.images import MAX_SIDE
from tests.civic.support import civic_world, jpeg
from tests.conftest import Backend
from tests.server import ServerProcess
from tests.support import make_user
from tests.ws_client import GraphQLWebSocket, authenticated

pytestmark = pytest.mark.server

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
DISTRICTS = "{ districts { code } }"
DEEP = "[" * 5000 + "]" * 5000
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token errors { code } }
}"""
REPORT = """mutation Report($input: ReportCivicIssueInput!) {
  reportCivicIssue(input: $input) {
    civicIssue { id photos { width height } }
    errors { code field }
  }
}"""


async def _server(backend: Backend, media: Path, **env: str) -> ServerProcess:
    process = ServerProcess(backend.settings, env={"MEDIA_DIR": str(media), **env})
    return await process.astart()


@pytest.fixture(scope="module")
async def server(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServerProcess]:
    """Uploads unbudgeted: the malformed-multipart and memory tests send many."""
    process = await _server(backend, tmp_path_factory.mktemp("media"), UPLOAD_BUDGET_PER_IP="0")
    try:
        yield process
    finally:
        await process.astop()
        process.close()


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        yield client


def lines_of(server: ServerProcess, request_id: str) -> list[str]:
    return [line for line in server.log_text().splitlines() if f"[{request_id}]" in line]


async def wait_for_line(server: ServerProcess, request_id: str, text: str) -> list[str]:
    """The access line is written as the response goes out: give it a moment."""
    for _ in range(50):
        lines = lines_of(server, request_id)
        if any(text in line for line in lines):
            return lines
        await asyncio.sleep(0.05)
    raise AssertionError(f"no line with {text!r} for {request_id}:\n{server.log_tail()}")


MALFORMED = [
    ("deep-json", "POST", {"content-type": "application/json"}, '{"query": ' + DEEP + "}"),
    ("deep-variables", "POST", {"content-type": "application/json"}, None),
    ("invalid-utf8", "POST", {"content-type": "application/json"}, b'{"query": "\xff\xfe"}'),
    ("lone-surrogate", "POST", {"content-type": "application/json"}, b'{"query": "\\ud800"}'),
    ("get-deep-variables", "GET", {}, None),
]


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE_JSON])
@pytest.mark.parametrize(("case", "method", "headers", "body"), MALFORMED)
async def test_a_malformed_body_is_a_400_with_a_request_id_and_an_access_line(
    server: ServerProcess,
    http: httpx.AsyncClient,
    accept: str,
    case: str,
    method: str,
    headers: dict[str, str],
    body: str | bytes | None,
) -> None:
    # given a body the JSON parser refuses (nesting 5,000 deep, bytes that are not UTF-8)
    request_id = f"{case}-{uuid.uuid4().hex[:8]}"
    headers = {**headers, "accept": accept, "x-request-id": request_id}
    if case == "deep-variables":
        body = json.dumps({"query": DISTRICTS})[:-1] + ', "variables": {"v": ' + DEEP + "}}"

    # when it is sent
    if method == "GET":
        params = {"query": DISTRICTS, "variables": '{"v": ' + DEEP + "}"}
        response = await http.get("/graphql", params=params, headers=headers)
    else:
        response = await http.post("/graphql", content=body, headers=headers)

    # then a 400 that says so, with the request's id, and one access line of ours for it
    assert response.status_code == 400, response.text
    assert "parse" in response.text
    assert response.headers["x-request-id"] == request_id
    lines = await wait_for_line(server, request_id, f'"{method} /graphql HTTP/1.1" 400')
    assert len(lines) == 1, lines
    assert "Exception in ASGI application" not in server.log_text()


@pytest.mark.parametrize("part", ["operations", "map"])
async def test_a_malformed_multipart_part_is_a_400(
    server: ServerProcess, http: httpx.AsyncClient, part: str
) -> None:
    parts = {"operations": json.dumps({"query": DISTRICTS}), "map": "{}", part: DEEP}
    response = await http.post(
        "/graphql",
        files={name: (None, value) for name, value in parts.items()},
        headers={"x-graphql-csrf": "1"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["x-request-id"]

    # and bytes that are not UTF-8 in `operations` are a GraphQL error, not a 500
    garbled = await http.post(
        "/graphql",
        files={"operations": (None, b'{"query": "{ \xff }"}'), "map": (None, "{}")},
        headers={"x-graphql-csrf": "1", "accept": GRAPHQL_RESPONSE_JSON},
    )
    assert garbled.status_code == 400 and garbled.json()["errors"]


async def test_one_access_line_per_request_and_no_client_address(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    request_id = f"once-{uuid.uuid4().hex[:8]}"
    response = await http.post(
        "/graphql", json={"query": DISTRICTS}, headers={"x-request-id": request_id}
    )
    assert response.status_code == 200

    [line] = await wait_for_line(server, request_id, '"POST /graphql HTTP/1.1" 200')
    assert "volunteer_city.access" in line
    log = server.log_text()
    assert "uvicorn.access" not in log
    assert not re.search(r'127\.0\.0\.1:\d+ - "', log), "a line with the client's address"


async def test_a_client_that_disconnects_mid_request_is_an_info_line(
    server: ServerProcess,
) -> None:
    # given a client that announces a body and goes away half way through it
    request_id = f"gone-{uuid.uuid4().hex[:8]}"
    head = (
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: 1000\r\nX-Request-ID: {request_id}\r\n\r\n"
    )

    def disconnect() -> None:
        with socket.create_connection(("127.0.0.1", server.port), 5) as raw:
            raw.sendall(head.encode() + b'{"query": ')

    await asyncio.to_thread(disconnect)

    # then one info line and the access line, and no error or traceback
    lines = await wait_for_line(server, request_id, '"POST /graphql HTTP/1.1" disconnected')
    assert any("INFO volunteer_city.requests" in line and "disconnected" in line for line in lines)
    log = server.log_text()
    assert "ClientDisconnect" not in log and "Exception in ASGI application" not in log
    # and the server serves the next request
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_an_over_long_value_is_not_logged_whole(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    # given a 10 MiB username
    before = server.log_path.stat().st_size
    username = "u" * (10 * 1024 * 1024)

    # when someone signs in with it
    response = await http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"username": username, "password": "x"}},
    )

    # then an answer, and a few kilobytes of log at most
    assert response.status_code in (200, 400, 413), response.text
    await asyncio.sleep(0.2)
    grown = server.log_path.stat().st_size - before
    assert grown < 256 * 1024, grown
    assert "u" * 10_000 not in server.log_text()


# graphql-transport-ws


@pytest.fixture
async def token() -> str:
    await make_user("ws.user")
    return (await accounts.login("ws.user", PASSWORD)).access_token


async def closed_with(ws: GraphQLWebSocket, raw: str) -> tuple[int | None, str]:
    await ws.connection.send(raw)
    return await ws.wait_closed(5)


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '[{"type": "ping"}]',
        '"subscribe"',
        "42",
        "null",
        '{"type": 7}',
        '{"type": "ping", "payload": [1]}',
        '{"id": "1", "type": "subscribe", "payload": "{ districts { code } }"}',
        '{"id": "1", "type": "subscribe", "payload": null}',
        '{"id": "1", "type": "subscribe", "payload": ["x"]}',
        '{"id": {"a": 1}, "type": "subscribe", "payload": {"query": "{ __typename }"}}',
        '{"id": "1", "type": "subscribe", "payload": {"query": 7}}',
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ a }", "variables": [1]}}',
        '{"id": ["1"], "type": "complete"}',
    ],
)
async def test_a_message_of_the_wrong_shape_closes_with_4400(
    server: ServerProcess, token: str, raw: str
) -> None:
    async with authenticated(server.ws_url, token) as ws:
        code, reason = await closed_with(ws, raw)
    assert code == 4400, (code, reason)
    assert reason


async def test_a_non_object_connection_init_payload_closes_with_4400(
    server: ServerProcess,
) -> None:
    from tests.ws_client import ws_connect

    async with ws_connect(server.ws_url) as ws:
        code, _ = await closed_with(ws, '{"type": "connection_init", "payload": "token"}')
    assert code == 4400


async def test_a_subscribe_that_does_not_parse_gets_an_error_message(
    server: ServerProcess, token: str
) -> None:
    async with authenticated(server.ws_url, token) as ws:
        # when a subscribe's document has a syntax error
        await ws.subscribe("bad", "subscription { dispatchFeed(")

        # then the operation's `error` message, with the parser's message
        message = await ws.receive(5)
        assert message["type"] == "error" and message["id"] == "bad", message
        assert "Syntax Error" in message["payload"][0]["message"]

        # and the connection carries on
        await ws.send({"type": "ping"})
        raw = json.loads(await asyncio.wait_for(ws.connection.recv(), 5))
        assert raw["type"] == "pong"


async def test_a_frame_over_the_limit_is_refused(server: ServerProcess, token: str) -> None:
    async with authenticated(server.ws_url, token) as ws:
        # a frame just under 1 MiB is read (and answered: not a message we know)
        query = "{ __typename }" + " " * (1024 * 1024 - 200)
        await ws.subscribe("big", query)
        answer = await ws.receive(10)
        assert answer["type"] in ("next", "error", "complete"), answer

    async with authenticated(server.ws_url, token) as ws:
        # a frame over 1 MiB closes the connection with 1009 (message too big)
        await ws.connection.send("{" + " " * (1024 * 1024 + 10) + "}")
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.connection.recv(), 10)
        received = ws.connection.protocol.close_rcvd
        assert received is not None and received.code == 1009


# Photos


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def report_files(
    http: httpx.AsyncClient, token: str | None, files: list[bytes], content_type: str
) -> httpx.Response:
    category = await CivicCategory.get(code="ILLEGAL_ADVERTISING")
    variables = {
        "input": {
            "category": gid("CivicCategory", category.id),
            "description": "Small ads pasted all over the lamp post",
            "location": {"lat": 23.0837, "lng": 114.3828},
            "photos": [None] * len(files),
        }
    }
    mapping = {str(i): [f"variables.input.photos.{i}"] for i in range(len(files))}
    headers = {"x-graphql-csrf": "1"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": REPORT, "variables": variables}),
            "map": json.dumps(mapping),
        },
        files=[(str(i), (f"{i}.img", data, content_type)) for i, data in enumerate(files)],
        headers=headers,
    )


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def big_png(side: int = 6000) -> bytes:
    """A flat 6000 x 6000 PNG: a few hundred kilobytes of file, 36 million pixels to decode."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (90, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_six_concurrent_large_photos_leave_the_server_where_it_was(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    # given a server that has served one photo already, and six residents
    await civic_world()
    token = (await accounts.login("resident1", PASSWORD)).access_token
    warm = await report_files(http, token, [jpeg()], "image/jpeg")
    assert warm.json()["data"]["reportCivicIssue"]["errors"] == []
    assert server._process is not None
    pid = server._process.pid
    before = rss_mib(pid)
    photo = big_png()

    # when six 6000 x 6000 photos arrive at once
    answers = await asyncio.gather(
        *(report_files(http, token, [photo], "image/png") for _ in range(6))
    )

    # then each is stored at most MAX_SIDE pixels wide, and the memory is given back
    for answer in answers:
        payload = answer.json()["data"]["reportCivicIssue"]
        assert payload["errors"] == [], payload
        [stored] = payload["civicIssue"]["photos"]
        assert (stored["width"], stored["height"]) == (MAX_SIDE, MAX_SIDE)
    after = rss_mib(pid)
    assert after - before < 120, (before, after)


async def test_a_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    from services.common.images import clean

    out = io.BytesIO()
    Image.new("RGB", (6000, 3000), (200, 40, 40)).save(out, "JPEG")
    cleaned = clean(out.getvalue(), max_bytes=10**8, max_pixels=40_000_000)
    assert (cleaned.width, cleaned.height) == (MAX_SIDE, MAX_SIDE // 2)


# The upload budget


async def test_uploads_per_address_are_budgeted_but_not_a_supervisors(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # given a server allowing two uploads per address and window
    world = await civic_world()
    assert world["supervisor"].user_id is not None
    resident = (await accounts.login("resident1", PASSWORD)).access_token
    supervisor = (await accounts.login("supervisor1", PASSWORD)).access_token
    process = await _server(backend, tmp_path_factory.mktemp("media"), UPLOAD_BUDGET_PER_IP="2")
    try:
        async with httpx.AsyncClient(base_url=process.url, timeout=30) as http:
            # when a resident reports three times with a photo
            answers = [await report_files(http, resident, [jpeg()], "image/jpeg") for _ in range(3)]
            # and a civic supervisor, from the same address, four times
            supervised = [
                await report_files(http, supervisor, [jpeg()], "image/jpeg") for _ in range(4)
            ]
            # and someone not signed in, once more
            anonymous = await report_files(http, None, [jpeg()], "image/jpeg")
    finally:
        await process.astop()
        process.close()

    # then the third is refused before it is read: 429, Retry-After, RATE_LIMITED
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert int(refused.headers["retry-after"]) >= 1
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    # and the supervisor was not counted, the anonymous caller was
    assert [s.status_code for s in supervised] == [200] * 4
    assert all(s.json()["data"]["reportCivicIssue"]["errors"] == [] for s in supervised)
    assert anonymous.status_code == 429
