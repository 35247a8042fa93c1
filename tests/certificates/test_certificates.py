"""Certificates of service records: who requests, who issues ("whoever records, certifies"),
what the PDF carries, and what verification reveals."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from models.accounts import Role
from models.certificates import CertificateStatus
from models.events import Event
from models.volunteers import Volunteer
from services import certificates
from services.certificates.lifecycle import Issuance
from services.certificates.pdf import FontMissing
from services.certificates.records import CITY_ZONE
from services.common.errors import DomainError, NotPermitted
from services.common.identity import mask_id_number
from settings import get_settings
from tests.certificates.support import World, refreshed, serve, world
from tests.support import make_organization, make_user, make_volunteer

# The city's today: a certificate's period is in dates of Asia/Shanghai.
TODAY = datetime.now(CITY_ZONE).date()
WEEK = (TODAY - timedelta(days=7), TODAY)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings are read once per process: a test that changes the environment rereads them."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path) -> str:
    """What poppler's pdftotext reads from the PDF, as a school's clerk would copy it."""
    return run("pdftotext", "-layout", str(path), "-")


async def fails(call: object) -> list[str]:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    return [str(p.code.value) for p in caught.value.problems]


async def issued(w: World) -> certificates.Issuance:
    await serve(w, w.organization_id, minutes=150)
    await serve(w, w.organization_id, minutes=90)
    (requested,) = await certificates.request(w.volunteer, *WEEK, None)
    return Issuance(requested.id, "李负责", "0752-2345678")


async def test_the_recording_organisation_issues_a_certificate_with_every_required_item(
    tmp_path: Path,
) -> None:
    w = await world()
    certificate = await certificates.issue(w.boss, await issued(w))
    volunteer = await Volunteer.get(id=w.volunteer_id)

    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.hours == Decimal("4.00")
    assert len(certificate.services) == 2
    assert certificate.volunteer_number == volunteer.volunteer_number
    assert certificate.id_number_masked == mask_id_number(volunteer.id_number)
    assert certificate.handler == "boss"

    pdf = certificates.render(certificate)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert certificate.number and certificate.verification_code and certificate.issued_at
    issued_on = certificate.issued_at.astimezone(CITY_ZONE).date()
    for item in (
        "志愿服务记录证明",
        "陈志愿",
        "居民身份证",
        mask_id_number(volunteer.id_number),
        str(volunteer.volunteer_number),
        "4 小时",
        "2.5 小时",
        "1.5 小时",
        "助老服务",
        "惠城区红马甲志愿服务队",
        "李负责",
        "经办人",
        "boss",
        "0752-2345678",
        certificate.number,
        f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        certificate.verification_code,
        f"/verify/{certificate.verification_code}",
    ):
        assert item in text, item
    assert volunteer.id_number not in text
    # The same text through a PDF library, and the font really embedded (no system fallback).
    assert "陈志愿" in PdfReader(path).pages[0].extract_text()
    fonts = run("pdffonts", str(path))
    assert "WenQuanYi" in fonts and " yes yes yes " in fonts
    run("pdftoppm", "-r", "60", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    assert (tmp_path / "page.png").stat().st_size > 10_000


async def test_only_the_recording_organisation_issues() -> None:
    w = await world()
    _, other_boss, _ = await make_volunteer("other", phone="13700137000")
    await make_organization(other_boss, "惠阳区志愿者协会")
    other_boss = await refreshed(other_boss)
    issuance = await issued(w)
    for stranger in (
        other_boss,
        w.dispatcher,
        w.volunteer,
        (await make_user("root", Role.ADMIN))[1],
    ):
        with pytest.raises(NotPermitted):
            await certificates.issue(stranger, issuance)
    assert (await certificates.issue(w.boss, issuance)).status == CertificateStatus.ISSUED
    assert await fails(certificates.issue(w.boss, issuance)) == ["NOT_REQUESTED"]


async def test_the_platform_issues_on_behalf_only_when_the_city_allows(
    environment: pytest.MonkeyPatch,
) -> None:
    w = await world()
    issuance = await issued(w)
    _, root = await make_user("root", Role.ADMIN)
    with pytest.raises(NotPermitted):
        await certificates.issue(root, issuance)
    environment.setenv("CERTIFICATES_PLATFORM_ISSUES", "1")
    get_settings.cache_clear()
    certificate = await certificates.issue(root, issuance)
    assert certificate.on_behalf and "由平台代为出具" in PdfReader_text(certificate)


def PdfReader_text(certificate: object) -> str:
    import io

    from models.certificates import Certificate

    assert isinstance(certificate, Certificate)
    return PdfReader(io.BytesIO(certificates.render(certificate))).pages[0].extract_text()


async def test_requests_cover_one_organisation_each_and_only_what_it_recorded() -> None:
    w = await world()
    _, founder, _ = await make_volunteer("founder", phone="13600136000")
    second = await make_organization(founder, "惠阳区志愿者协会")
    await serve(w, w.organization_id, minutes=60)
    await serve(w, second, minutes=30)
    await serve(w, None, minutes=45)
    made = await certificates.request(w.volunteer, *WEEK, None)
    assert sorted(c.organization_id for c in made) == sorted([w.organization_id, second])
    assert await fails(certificates.request(w.volunteer, *WEEK, second)) == ["ALREADY_REQUESTED"]
    mine = next(c for c in made if c.organization_id == w.organization_id)
    certificate = await certificates.issue(w.boss, Issuance(mine.id, "李负责", "0752-2345678"))
    assert certificate.hours == Decimal("1.00") and len(certificate.services) == 1


async def test_bad_requests_are_coded_and_change_nothing() -> None:
    w = await world()
    await serve(w, w.organization_id)
    start, end = WEEK
    assert await fails(certificates.request(w.volunteer, end, start, None)) == ["INVALID_PERIOD"]
    assert await fails(certificates.request(w.volunteer, date(1990, 1, 1), end, None)) == [
        "INVALID_PERIOD"
    ]
    tomorrow = TODAY + timedelta(days=2)
    assert await fails(certificates.request(w.volunteer, start, tomorrow, None)) == [
        "INVALID_PERIOD"
    ]
    assert await fails(certificates.request(w.volunteer, start, end, 999_999)) == [
        "ORGANIZATION_NOT_FOUND"
    ]
    last_year = (date(2020, 1, 1), date(2020, 12, 31))
    assert await fails(certificates.request(w.volunteer, *last_year, None)) == ["NOTHING_RECORDED"]
    assert await fails(certificates.request(w.resident, start, end, None)) == ["NOT_A_VOLUNTEER"]
    (made,) = await certificates.request(w.volunteer, start, end, None)
    assert await fails(certificates.issue(w.boss, Issuance(made.id, " ", ""))) == [
        "INVALID_PERSON",
        "INVALID_CONTACT",
    ]
    assert await fails(certificates.revoke(w.boss, made.id, "写错了")) == ["NOT_ISSUED"]
    from models.certificates import Certificate

    assert (await Certificate.get(id=made.id)).status == CertificateStatus.REQUESTED


async def test_revoked_certificates_verify_as_revoked_and_reveal_nothing_more() -> None:
    w = await world()
    certificate = await certificates.issue(w.boss, await issued(w))
    code = certificate.verification_code
    assert code is not None
    shown = await certificates.verify(f" {code[:5].lower()}-{code[5:]} ")
    assert shown.valid and shown.masked_name == "陈**" and shown.hours == Decimal("4.00")
    assert shown.issuer == "惠城区红马甲志愿服务队"

    with pytest.raises(NotPermitted):
        await certificates.revoke(w.volunteer, certificate.id, "不想要了")
    assert await fails(certificates.revoke(w.boss, certificate.id, " ")) == ["INVALID_REASON"]
    await certificates.revoke(w.boss, certificate.id, "服务时长登记有误")
    shown = await certificates.verify(code)
    assert shown.found and not shown.valid and shown.status == CertificateStatus.REVOKED
    logged = [e.type for e in await Event.filter(type__startswith="CERTIFICATE_").order_by("id")]
    assert logged == ["CERTIFICATE_REQUESTED", "CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED"]
    assert not (await certificates.verify("ABCDEFGHJK")).found
    assert not (await certificates.verify("x")).found


async def test_a_missing_font_is_a_clear_error(environment: pytest.MonkeyPatch) -> None:
    w = await world()
    certificate = await certificates.issue(w.boss, await issued(w))
    environment.setenv("CERTIFICATE_FONT_PATH", "/nonexistent/font.ttc")
    get_settings.cache_clear()
    with pytest.raises(FontMissing, match="CERTIFICATE_FONT_PATH"):
        certificates.render(certificate)


async def test_volunteer_numbers_are_unique_stable_and_not_the_id_number() -> None:
    _, _, first = await make_volunteer("alpha")
    _, _, second = await make_volunteer("bravo", phone="13500135000")
    a, b = await Volunteer.get(id=first), await Volunteer.get(id=second)
    assert a.volunteer_number and b.volunteer_number and a.volunteer_number != b.volunteer_number
    assert len(a.volunteer_number) == 20 and a.volunteer_number.startswith("441300")
    assert a.id_number[6:14] not in a.volunteer_number[6:]
    number = a.volunteer_number
    await Volunteer.filter(id=first).update(real_name="陈改名")
    assert (await Volunteer.get(id=first)).volunteer_number == number


async def test_the_period_is_in_the_citys_dates() -> None:
    w = await world()
    await serve(w, w.organization_id)
    yesterday = TODAY - timedelta(days=1)
    assert await fails(
        certificates.request(w.volunteer, yesterday - timedelta(days=5), yesterday, None)
    ) == ["NOTHING_RECORDED"]
    assert len(await certificates.request(w.volunteer, TODAY, TODAY, None)) == 1
