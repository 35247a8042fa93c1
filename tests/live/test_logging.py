"""Logs: JSON lines with the request's id (taken from X-Request-ID or made), and no password,
token, ID number or phone number in them, even with every library logging at DEBUG."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from strawberry import relay

from api.observability.logs import (
    LINE_LIMIT,
    MASK,
    MESSAGE_LIMIT,
    bounded,
    configure_logging,
    make_handler,
    redact,
    request_id,
)
from models.accounts import Role
from services import accounts
from services.common.principal import Scope
from settings import Settings
from tests.conftest import Backend
from tests.server import ServerProcess
from tests.support import huicheng, make_user, new_id_number

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token errors { code } }
}"""
REGISTER = """
mutation Register($input: RegisterVolunteerInput!) {
  registerVolunteer(input: $input) { volunteer { id } errors { code } }
}"""
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        (f"token {JWT} expired", JWT),
        ("key vc_0123456789ab_S3cr3t-Key_x given", "S3cr3t-Key_x"),
        ('{"username": "li", "password": "hunter2 with spaces"}', "hunter2 with spaces"),
        ("login(input: {password: 'p@ss', username: 'li'})", "p@ss"),
        ("refresh_token=abcdef123&x=1", "abcdef123"),
        ("INSERT ... ('44130219900517123X', ...)", "44130219900517123X"),
        ("call +8613912345678 now", "13912345678"),
    ],
)
def test_secrets_and_personal_data_are_redacted(line: str, secret: str) -> None:
    assert secret not in redact(line)
    assert MASK in redact(line)


def test_ordinary_text_is_left_alone() -> None:
    line = "GET /graphql 200 12.5ms order 12345 at 2026-01-01T10:00:00Z"
    assert redact(line) == line


def test_a_json_line_carries_the_request_id_and_a_redacted_traceback() -> None:
    # given a JSON handler and a request in progress
    stream = io.StringIO()
    logger = logging.getLogger("volunteer_city.test_logging")
    handler = make_handler("json", stream)
    logger.addHandler(handler)
    token = request_id.set("req-42")
    try:
        # when an error is logged whose traceback holds a token
        try:
            raise ValueError(f"bad token Bearer {JWT}")
        except ValueError:
            logger.exception("failed for %s", "13912345678")
    finally:
        request_id.reset(token)
        logger.removeHandler(handler)

    # then one JSON object, with the id, and neither secret
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["request_id"] == "req-42"
    assert record["level"] == "ERROR" and record["logger"] == "volunteer_city.test_logging"
    assert "ValueError" in record["exc_info"]
    assert JWT not in line and "13912345678" not in line


def test_a_long_line_is_cut_and_a_secret_across_the_cut_is_not_half_written() -> None:
    # given a 10 MiB value, and a token that straddles where the line is cut
    huge = "Variable $username got invalid value " + "u" * (10 * 1024 * 1024)
    straddling = "a" * (LINE_LIMIT - 20) + f" Bearer {JWT}{'b' * 8000}"

    # then each is cut to the limits, says how long it was, and nothing of the token is left
    assert len(bounded(huge, MESSAGE_LIMIT)) < LINE_LIMIT + 100
    assert f"{len(huge)} characters, cut" in bounded(huge, MESSAGE_LIMIT)
    cut = bounded(straddling, MESSAGE_LIMIT)
    assert len(cut) <= LINE_LIMIT + 100
    assert "eyJ" not in cut and "c2lnbmF0dXJl" not in cut


def test_many_lines_are_cut_to_the_record_limit() -> None:
    text = ("line\n" * 1_000_000) + "last"
    out = bounded(text, MESSAGE_LIMIT)
    assert len(out) <= MESSAGE_LIMIT + 100 and out.endswith("characters in all, cut]")


def test_uvicorn_access_log_stays_off() -> None:
    # uvicorn writes its access line (with the client's address) when its logger has a
    # handler, its own or through propagation
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(Settings(), io.StringIO())
        assert not logging.getLogger("uvicorn.access").hasHandlers()
        assert logging.getLogger("uvicorn.error").hasHandlers()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def test_configure_logging_picks_json_in_production() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        production = Settings().replace(
            environment="production",
            secret_key="s" * 32,
            public_base_url="https://volunteer.huizhou.gov.cn",
        )
        configure_logging(production, stream)
        logging.getLogger("volunteer_city.x").warning("hello")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    assert json.loads(stream.getvalue())["message"] == "hello"


@pytest.mark.server
async def test_a_real_server_logs_no_password_token_or_personal_data(backend: Backend) -> None:
    # given a server logging JSON at DEBUG (SQL with its values included)
    await make_user("li.wei", Role.RESIDENT)
    _, key = await accounts.create_api_client("district app", [Scope.READ])
    district = str(relay.GlobalID("District", str((await huicheng()).id)))
    id_number, phone = new_id_number(), "13912345678"
    server = ServerProcess(backend.settings, env={"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"})
    await server.astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            # when someone signs in with a password (and once with a wrong one), registers with
            # an ID number and phone, and an app calls with its key
            login = await http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"username": "li.wei", "password": PASSWORD}},
                headers={"x-request-id": "login-req-1"},
            )
            await http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"username": "li.wei", "password": "Wr0ng-pw!"}},
            )
            token = login.json()["data"]["login"]["token"]
            registration = {
                "realName": "李伟",
                "idNumber": id_number,
                "phone": phone,
                "district": district,
            }
            register = await http.post(
                "/graphql",
                json={"query": REGISTER, "variables": {"input": registration}},
                headers={"authorization": f"Bearer {token}"},
            )
            as_app = await http.post(
                "/graphql",
                json={"query": "{ districts { code } }"},
                headers={"authorization": f"Bearer {key}"},
            )
            rejected = await http.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"authorization": "Bearer x1y2"},
            )
        log = server.log_text()
    finally:
        await server.astop()
        server.close()

    assert register.json()["data"]["registerVolunteer"]["errors"] == []
    assert (as_app.status_code, rejected.status_code) == (200, 401)
    # then the request id came back, a made-up one where none was sent
    assert login.headers["x-request-id"] == "login-req-1"
    assert len(register.headers["x-request-id"]) == 32
    # and every line is JSON; the access lines carry their request's id
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert any(
        r["request_id"] == "login-req-1" and '"POST /graphql HTTP/1.1" 200' in r["message"]
        for r in records
    )
    assert any(r["logger"] == "tortoise.db_client" for r in records), "SQL was not logged at all"
    # and no secret or personal data, in any line: the SQL of the registration had them
    assert MASK in log
    for secret in (PASSWORD, "Wr0ng-pw!", token, key, "x1y2", id_number, phone):
        assert secret not in log
