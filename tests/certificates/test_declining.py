"""An organisation declines a certificate request instead of issuing it: only those who may
issue it, with a reason, only while it is requested; the volunteer may ask again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from strawberry import relay

from api.app import create_app
from models.accounts import Role
from models.certificates import Certificate, CertificateStatus
from models.events import Event
from services import accounts, certificates
from services.certificates.lifecycle import Issuance
from services.certificates.records import CITY_ZONE
from services.common.errors import DomainError, NotPermitted
from tests.certificates.support import refreshed, serve, world
from tests.conftest import Backend
from tests.support import data_of, error_codes, gql, make_organization, make_user, make_volunteer

TODAY = datetime.now(CITY_ZONE).date()
WEEK = (TODAY - timedelta(days=7), TODAY)
DECLINE = """
mutation ($input: DeclineCertificateInput!) {
  declineCertificate(input: $input) {
    certificate { id status declinedAt declineReason number verificationCode pdfUrl }
    errors { __typename code field message }
  }
}"""


async def codes_of(call: object) -> list[str]:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    return [str(p.code.value) for p in caught.value.problems]


async def test_only_the_recording_organisation_declines_and_says_why() -> None:
    w = await world()
    await serve(w, w.organization_id)
    (requested,) = await certificates.request(w.volunteer, *WEEK, None)
    _, other_boss, _ = await make_volunteer("other", phone="13700137000")
    await make_organization(other_boss, "惠阳区志愿者协会")
    for stranger in (
        await refreshed(other_boss),
        w.dispatcher,
        w.volunteer,
        (await make_user("root", Role.ADMIN))[1],
    ):
        with pytest.raises(NotPermitted):
            await certificates.decline(stranger, requested.id, "记录有争议")
    for blank in (" ", "x", "长" * 501):
        assert await codes_of(certificates.decline(w.boss, requested.id, blank)) == [
            "INVALID_REASON"
        ]
    assert await codes_of(certificates.decline(w.boss, 999_999, "记录有争议")) == [
        "CERTIFICATE_NOT_FOUND"
    ]
    row = await Certificate.get(id=requested.id)
    assert (row.status, row.declined_at, row.decline_reason) == (
        CertificateStatus.REQUESTED,
        None,
        None,
    )

    declined = await certificates.decline(w.boss, requested.id, " 服务期间记录有争议 ")
    assert declined.status == CertificateStatus.DECLINED
    assert declined.decline_reason == "服务期间记录有争议" and declined.declined_at is not None
    assert declined.declined_by_id == w.boss.user_id
    assert declined.number is None and declined.verification_code is None
    # Neither issued nor declined again once declined
    assert await codes_of(certificates.decline(w.boss, requested.id, "再次")) == ["NOT_REQUESTED"]
    assert await codes_of(
        certificates.issue(w.boss, Issuance(requested.id, "李负责", "0752-2345678"))
    ) == ["NOT_REQUESTED"]
    logged = [e.type for e in await Event.filter(type__startswith="CERTIFICATE_").order_by("id")]
    assert logged == ["CERTIFICATE_REQUESTED", "CERTIFICATE_DECLINED"]

    # The volunteer may ask again, and that request can be issued
    (again,) = await certificates.request(w.volunteer, *WEEK, None)
    assert again.id != requested.id
    issued = await certificates.issue(w.boss, Issuance(again.id, "李负责", "0752-2345678"))
    assert await codes_of(certificates.decline(w.boss, issued.id, "写错了")) == ["NOT_REQUESTED"]


async def test_the_platform_declines_on_behalf_only_when_the_city_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from settings import get_settings

    w = await world()
    await serve(w, w.organization_id)
    (requested,) = await certificates.request(w.volunteer, *WEEK, None)
    _, root = await make_user("root", Role.ADMIN)
    get_settings.cache_clear()
    try:
        monkeypatch.setenv("CERTIFICATES_PLATFORM_ISSUES", "1")
        declined = await certificates.decline(root, requested.id, "组织已注销")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert declined.status == CertificateStatus.DECLINED


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


async def test_declining_through_graphql_and_the_pdf_of_a_declined_request(
    http: httpx.AsyncClient,
) -> None:
    w = await world()
    await serve(w, w.organization_id)
    (requested,) = await certificates.request(w.volunteer, *WEEK, None)
    global_id = str(relay.GlobalID("Certificate", str(requested.id)))
    given = {"input": {"certificate": global_id, "reason": "服务期间记录有争议"}}
    assert error_codes(await gql(DECLINE, given)) == ["NOT_AUTHENTICATED"]
    assert error_codes(await gql(DECLINE, given, w.volunteer)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(DECLINE, given, w.dispatcher)) == ["NOT_PERMITTED"]
    wrong = {"input": {"certificate": str(relay.GlobalID("Volunteer", "1")), "reason": "错误"}}
    data = await data_of(DECLINE, wrong, w.boss)
    assert [e["code"] for e in data["declineCertificate"]["errors"]] == ["CERTIFICATE_NOT_FOUND"]
    assert data["declineCertificate"]["errors"][0]["__typename"] == "CertificateError"
    short = {"input": {"certificate": global_id, "reason": " "}}
    data = await data_of(DECLINE, short, w.boss)
    assert [(e["code"], e["field"]) for e in data["declineCertificate"]["errors"]] == [
        ("INVALID_REASON", "reason")
    ]

    data = await data_of(DECLINE, given, w.boss)
    assert data["declineCertificate"]["errors"] == []
    shown = data["declineCertificate"]["certificate"]
    assert shown["status"] == "DECLINED" and shown["declineReason"] == "服务期间记录有争议"
    assert shown["declinedAt"] and shown["number"] is None and shown["pdfUrl"] is None
    again = await data_of(DECLINE, given, w.boss)
    assert [e["code"] for e in again["declineCertificate"]["errors"]] == ["NOT_REQUESTED"]

    token = (await accounts.login("chen", "correct-horse-9")).access_token
    answer = await http.get(
        f"/certificates/{requested.id}.pdf", headers={"authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 409 and "declined" in answer.text
