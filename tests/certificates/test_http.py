"""The certificate over HTTP and GraphQL: a volunteer serves, requests, the organisation issues,
the PDF is theirs alone, /verify/<code> and verifyCertificate say valid, then revoked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from strawberry import relay

from api.app import create_app
from models.accounts import Role
from services import accounts, certificates
from services.certificates.records import CITY_ZONE
from tests.certificates.support import serve, world
from tests.conftest import Backend
from tests.support import count_statements, data_of, error_codes, gql, make_user

REQUEST = """
mutation ($input: RequestCertificateInput!) {
  requestCertificate(input: $input) {
    certificates { id status organizationId }
    errors { __typename code field message }
  }
}"""
ISSUE = """
mutation ($input: IssueCertificateInput!) {
  issueCertificate(input: $input) {
    certificate { id status number verificationCode hours volunteerNumber idNumberMasked
                  pdfUrl verificationUrl services { hours category } }
    errors { code field }
  }
}"""
REVOKE = """
mutation ($input: RevokeCertificateInput!) {
  revokeCertificate(input: $input) { certificate { status revocationReason } errors { code } }
}"""
VERIFY = """
query ($code: String!) {
  verifyCertificate(code: $code) { found valid status issuer hours maskedName }
}"""
MINE = "{ myCertificates { totalCount nodes { status number } } }"


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


async def token(username: str) -> str:
    return (await accounts.login(username, "correct-horse-9")).access_token


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


async def test_serve_request_issue_download_verify_revoke(http: httpx.AsyncClient) -> None:
    w = await world()
    await serve(w, w.organization_id)
    today = datetime.now(CITY_ZONE).date()
    period = {
        "periodStart": (today - timedelta(days=30)).isoformat(),
        "periodEnd": today.isoformat(),
    }
    data = await data_of(REQUEST, {"input": period}, w.volunteer)
    (requested,) = data["requestCertificate"]["certificates"]
    assert requested["status"] == "REQUESTED"
    assert requested["organizationId"] == str(
        relay.GlobalID("Organization", str(w.organization_id))
    )

    issue_input: dict[str, Any] = {
        "certificate": requested["id"],
        "personInCharge": "李负责",
        "contact": "0752-2345678",
    }
    refused = await gql(ISSUE, {"input": issue_input}, w.volunteer)
    assert error_codes(refused) == ["NOT_PERMITTED"]
    data = await data_of(ISSUE, {"input": issue_input}, w.boss)
    assert data["issueCertificate"]["errors"] == []
    certificate = data["issueCertificate"]["certificate"]
    assert certificate["status"] == "ISSUED" and certificate["hours"] == "2.50"
    assert len(certificate["volunteerNumber"]) == 20 and "*" in certificate["idNumberMasked"]
    code = certificate["verificationCode"]

    pdf_url = certificate["pdfUrl"]
    assert (await http.get(pdf_url)).status_code == 401
    assert (await http.get(pdf_url, headers=bearer(await token("resident")))).status_code == 404
    for owner in ("chen", "boss"):
        answer = await http.get(pdf_url, headers=bearer(await token(owner)))
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")

    page = await http.get(f"/verify/{code}")
    assert page.status_code == 200 and "有效 VALID" in page.text and "陈**" in page.text
    assert "惠城区红马甲志愿服务队" in page.text and "陈志愿" not in page.text
    assert (await http.get("/verify/NOSUCHCODE")).status_code == 404

    again = await data_of(ISSUE, {"input": issue_input}, w.boss)
    assert [e["code"] for e in again["issueCertificate"]["errors"]] == ["NOT_REQUESTED"]
    revoke = {"certificate": requested["id"], "reason": "服务时长登记有误"}
    assert error_codes(await gql(REVOKE, {"input": revoke}, w.volunteer)) == ["NOT_PERMITTED"]
    data = await data_of(REVOKE, {"input": revoke}, w.boss)
    assert data["revokeCertificate"]["certificate"]["status"] == "REVOKED"

    verified = (await data_of(VERIFY, {"code": code}))["verifyCertificate"]
    assert verified == {
        "found": True,
        "valid": False,
        "status": "REVOKED",
        "issuer": "惠城区红马甲志愿服务队",
        "hours": "2.50",
        "maskedName": "陈**",
    }
    assert "已撤销 REVOKED" in (await http.get(f"/verify/{code}")).text
    mine = (await data_of(MINE, principal=w.volunteer))["myCertificates"]
    assert mine["totalCount"] == 1 and mine["nodes"][0]["status"] == "REVOKED"


async def test_every_mutation_needs_a_signed_in_caller_and_codes_bad_ids() -> None:
    _, someone = await make_user("someone")
    wrong = str(relay.GlobalID("Volunteer", "1"))
    for document, value in (
        (REQUEST, {"periodStart": "2026-01-01", "periodEnd": "2026-01-02"}),
        (ISSUE, {"certificate": wrong, "personInCharge": "李负责"}),
        (REVOKE, {"certificate": wrong, "reason": "错误"}),
    ):
        assert error_codes(await gql(document, {"input": value})) == ["NOT_AUTHENTICATED"]
    data = await data_of(ISSUE, {"input": {"certificate": wrong, "personInCharge": "李"}}, someone)
    assert [e["code"] for e in data["issueCertificate"]["errors"]] == ["CERTIFICATE_NOT_FOUND"]
    data = await data_of(
        REQUEST,
        {
            "input": {
                "periodStart": "2026-01-01",
                "periodEnd": "2026-01-02",
                "organization": wrong,
            }
        },
        someone,
    )
    assert [e["code"] for e in data["requestCertificate"]["errors"]] == ["ORGANIZATION_NOT_FOUND"]
    assert data["requestCertificate"]["errors"][0]["__typename"] == "CertificateError"


async def test_the_service_card_and_the_volunteer_show_the_volunteer_number() -> None:
    from models.volunteers import Volunteer
    from services.rewards import cards

    w = await world()
    _, root = await make_user("root", Role.ADMIN)
    await cards.issue(root, w.volunteer_id)
    number = (await Volunteer.get(id=w.volunteer_id)).volunteer_number
    data = await data_of(
        "{ myServiceCard { volunteerNumber volunteer { volunteerNumber } } }",
        principal=w.volunteer,
    )
    assert data["myServiceCard"] == {
        "volunteerNumber": number,
        "volunteer": {"volunteerNumber": number},
    }


LIST = """
{ myCertificates(first: 50) { edges { node { id status services { hours } organizationId } } } }
"""


async def test_the_list_costs_the_same_statements_for_one_certificate_as_for_three() -> None:
    w = await world()
    await serve(w, w.organization_id)
    today = datetime.now(CITY_ZONE).date()

    async def statements() -> int:
        with count_statements() as counter:
            await data_of(LIST, principal=w.volunteer)
        return len(counter.statements)

    await certificates.request(w.volunteer, today, today, None)
    one = await statements()
    for days in (1, 2):
        await certificates.request(w.volunteer, today - timedelta(days=days), today, None)
    assert await statements() == one
