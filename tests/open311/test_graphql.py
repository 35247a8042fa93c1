"""Open311 and GraphQL are two doors to the same civic issues: a request created over Open311 is
found, moved and hidden by GraphQL as any report is, and a report made through GraphQL is an
Open311 request with the same photo and status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry import relay

from api.app import create_app
from models.civic import CivicCategory
from services import accounts
from services.common.principal import Scope
from tests.civic.support import civic_world, jpeg
from tests.conftest import Backend
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG
from tests.open311.support import children, json_of, xml_of
from tests.support import data_of

BASE = "http://city.example"
V2 = "/open311/v2"
ISSUE_BY_TOKEN = """query ($token: String!) {
  civicIssueByToken(token: $token) {
    id token status source anonymous description address department
    category { code } photos { url } reporter { name } contact { name phone email }
  }
}"""
LIST = "{ civicIssues(first: 10) { totalCount nodes { token source } } }"
REPORT = """mutation ($input: ReportCivicIssueInput!) {
  reportCivicIssue(input: $input) { civicIssue { token photos { url } } errors { code field } }
}"""
FILE = """mutation ($input: FileCivicIssueInput!) {
  fileCivicIssue(input: $input) { civicIssue { status department } errors { code } }
}"""
REJECT = """mutation ($input: CivicIssueReasonInput!) {
  rejectCivicIssue(input: $input) { civicIssue { status } errors { code } }
}"""


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


@pytest.fixture
async def who() -> dict[str, Any]:
    return await civic_world()


async def test_an_open311_request_is_a_civic_issue_in_graphql(
    http: httpx.AsyncClient, who: dict[str, Any]
) -> None:
    # given an app that creates a request with a photo over Open311
    _, key = await accounts.create_api_client("Civic app", [Scope.OPEN311_WRITE])
    created = await http.post(
        f"{V2}/requests.json",
        data={
            "api_key": key,
            "service_code": "OVERFLOWING_BIN",
            "lat": str(HUICHENG_LAT),
            "long": str(HUICHENG_LNG),
            "description": "The bins by the market overflow",
            "first_name": "Wei",
            "last_name": "Wang",
            "phone": "13700137000",
        },
        files=[("media", ("bins.jpg", jpeg(), "image/jpeg"))],
    )
    token = json_of(created)[0]["service_request_id"]

    # when the public and the command centre look it up in GraphQL
    public = (await data_of(ISSUE_BY_TOKEN, {"token": token}))["civicIssueByToken"]
    staff = (await data_of(ISSUE_BY_TOKEN, {"token": token}, who["dispatcher"]))[
        "civicIssueByToken"
    ]
    listed = (await data_of(LIST))["civicIssues"]

    # then it is there, from OPEN311, its reporter hidden from the public and known to staff
    assert listed == {"totalCount": 1, "nodes": [{"token": token, "source": "OPEN311"}]}
    assert public["status"] == "REPORTED" and public["category"] == {"code": "OVERFLOWING_BIN"}
    assert (public["anonymous"], public["reporter"], public["contact"]) == (True, None, None)
    assert staff["contact"] == {"name": "Wei Wang", "phone": "13700137000", "email": ""}
    [request] = json_of(await http.get(f"{V2}/requests/{token}.json"))
    assert request["media_url"] == f"{BASE}{public['photos'][0]['url']}"

    # and the command centre's moves in GraphQL are what the app reads back
    await data_of(
        FILE, {"input": {"issue": public["id"], "department": "惠城区环卫所"}}, who["dispatcher"]
    )
    [filed] = json_of(await http.get(f"{V2}/requests/{token}.json"))
    assert (filed["status"], filed["agency_responsible"]) == ("open", "惠城区环卫所")
    assert filed["expected_datetime"] is not None


async def test_a_graphql_report_is_an_open311_request(
    http: httpx.AsyncClient, who: dict[str, Any]
) -> None:
    # given a resident's report through GraphQL, which the command centre does not file
    category = await CivicCategory.get(code="ILLEGAL_ADVERTISING")
    report = {
        "category": str(relay.GlobalID("CivicCategory", str(category.id))),
        "description": "Small ads glued all over the lamp post",
        "location": {"lat": HUICHENG_LAT, "lng": HUICHENG_LNG},
        "address": "惠城区麦地路 3 号",
        "photos": [jpeg()],
    }
    reported = (await data_of(REPORT, {"input": report}, who["resident"]))["reportCivicIssue"]
    issue = (await data_of(ISSUE_BY_TOKEN, {"token": reported["civicIssue"]["token"]}))[
        "civicIssueByToken"
    ]
    await data_of(
        REJECT, {"input": {"issue": issue["id"], "reason": "Already removed"}}, who["dispatcher"]
    )

    # when an app lists the closed requests over Open311
    root = xml_of(
        await http.get(f"{V2}/requests.xml?status=closed&service_code=ILLEGAL_ADVERTISING")
    )

    # then the report is there, closed, with GraphQL's photo and the reason
    assert children(root) == ["request"]
    request = root[0]
    assert request.findtext("service_request_id") == issue["token"]
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes") == "Not filed as a case. Already removed"
    assert request.findtext("address") == "惠城区麦地路 3 号"
    assert request.findtext("media_url") == f"{BASE}{reported['civicIssue']['photos'][0]['url']}"
