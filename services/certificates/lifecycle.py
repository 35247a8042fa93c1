"""A certificate's life: the volunteer requests it, the recording organisation's admin (or the
platform on its behalf, if the city allows) issues it, frozen from then on, and may revoke it —
or declines the request, with a reason, instead of issuing it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum

from models.accounts import Role, User
from models.certificates import Certificate, CertificateStatus
from models.organizations import Membership, MembershipRole, MembershipStatus, Organization
from models.volunteers import Volunteer
from services.certificates.errors import CertificateErrorCode
from services.certificates.records import (
    CITY_ZONE,
    category_of,
    recording_organizations,
    records_of,
    total_hours,
)
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.identity import mask_id_number
from services.common.principal import Principal
from services.dispatch import int_values, volunteer_topic
from settings import get_settings
from subscriptions.events import EventTransaction, atomic

ID_TYPE = "居民身份证"
EARLIEST = date(2000, 1, 1)
MAX_PERIOD_DAYS = 10 * 366
# Unambiguous when read aloud or typed from paper: no 0/O, 1/I/L.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


class CertificateEvent(str, Enum):
    REQUESTED = "CERTIFICATE_REQUESTED"
    ISSUED = "CERTIFICATE_ISSUED"
    REVOKED = "CERTIFICATE_REVOKED"
    DECLINED = "CERTIFICATE_DECLINED"


@dataclass(frozen=True)
class Issuance:
    certificate_id: int
    person_in_charge: str
    contact: str | None = None


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return raw.strip().upper().replace("-", "").replace(" ", "")


def _new_number(at: datetime) -> str:
    return f"HZZM{at.astimezone(CITY_ZONE):%Y}{secrets.randbelow(10**8):08d}"


def check_period(start: date, end: date, today: date | None = None) -> None:
    today = today or datetime.now(CITY_ZONE).date()
    if end < start:
        raise DomainError(
            CertificateErrorCode.INVALID_PERIOD, "The period ends before it starts.", "periodEnd"
        )
    if start < EARLIEST or end > today or (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(
            CertificateErrorCode.INVALID_PERIOD,
            f"A period from {EARLIEST} to today, at most ten years long.",
            "periodStart",
        )


def _event(tx: EventTransaction, type_: CertificateEvent, certificate: Certificate) -> None:
    tx.record(
        type_.value,
        [volunteer_topic(certificate.volunteer_id)],
        {
            "certificateId": certificate.id,
            "volunteerId": certificate.volunteer_id,
            "organizationId": certificate.organization_id,
            "status": certificate.status.value,
            # Null until issued.
            "number": certificate.number,
        },
    )


async def request(
    principal: Principal, start: date, end: date, organization_id: int | None
) -> list[Certificate]:
    """One request per organisation that recorded service in the period (or only the one
    named): each organisation certifies what it recorded and nothing else."""
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(CertificateErrorCode.NOT_A_VOLUNTEER, "Register as a volunteer first.")
    check_period(start, end)
    if organization_id is not None and not await Organization.exists(id=organization_id):
        raise DomainError(
            CertificateErrorCode.ORGANIZATION_NOT_FOUND, "No such organisation.", "organization"
        )
    recorders = await recording_organizations(volunteer.id, start, end)
    wanted = (
        recorders if organization_id is None else [o for o in recorders if o == organization_id]
    )
    if not wanted:
        raise DomainError(
            CertificateErrorCode.NOTHING_RECORDED,
            "No confirmed service recorded in this period"
            + (" by this organisation." if organization_id is not None else "."),
            "organization" if organization_id is not None else "periodStart",
        )
    standing = Certificate.filter(
        volunteer_id=volunteer.id,
        organization_id__in=wanted,
        period_start=start,
        period_end=end,
        status__in=(CertificateStatus.REQUESTED, CertificateStatus.ISSUED),
    )
    existing = set(await int_values(standing, "organization_id"))
    fresh = [o for o in wanted if o not in existing]
    if not fresh:
        raise DomainError(
            CertificateErrorCode.ALREADY_REQUESTED,
            "A certificate of this period is already requested or issued.",
        )
    now = datetime.now(UTC)
    made: list[Certificate] = []
    async with atomic() as tx:
        for organization in fresh:
            certificate = await Certificate.create(
                volunteer_id=volunteer.id,
                organization_id=organization,
                period_start=start,
                period_end=end,
                requested_at=now,
            )
            _event(tx, CertificateEvent.REQUESTED, certificate)
            made.append(certificate)
    return made


async def admin_of(principal: Principal, organization_id: int) -> bool:
    if principal.user_id is None or not principal.has_role(Role.ORG_ADMIN):
        return False
    return await Membership.exists(
        volunteer__user_id=principal.user_id,
        organization_id=organization_id,
        role=MembershipRole.ADMIN,
        status=MembershipStatus.APPROVED,
    )


def on_behalf(principal: Principal) -> bool:
    return principal.is_admin and get_settings().certificates_platform_issues


async def may_issue(principal: Principal, certificate: Certificate) -> bool:
    """The recording organisation's admins; platform administrators only if the city lets the
    platform issue on organisations' behalf."""
    return await admin_of(principal, certificate.organization_id) or on_behalf(principal)


async def may_read(principal: Principal, certificate: Certificate) -> bool:
    if principal.user_id is not None and await Volunteer.exists(
        id=certificate.volunteer_id, user_id=principal.user_id
    ):
        return True
    return await may_issue(principal, certificate)


async def _certificate(certificate_id: int) -> Certificate:
    certificate = await Certificate.get_or_none(id=certificate_id)
    if certificate is None:
        raise DomainError(
            CertificateErrorCode.CERTIFICATE_NOT_FOUND, "No such certificate.", "certificate"
        )
    return certificate


def _text(raw: str, field: str, code: CertificateErrorCode, what: str, c: Collector) -> str:
    value = raw.strip()
    if not 2 <= len(value) <= 64:
        c.add(code, f"Give the {what} (2-64 characters).", field)
    return value


async def issue(principal: Principal, issuance: Issuance) -> Certificate:
    """Copies the volunteer's identity, the confirmed service the organisation recorded in the
    period and the issuer into the certificate, numbers it and gives it a verification code."""
    user_id = principal.require_user()
    certificate = await _certificate(issuance.certificate_id)
    if not await may_issue(principal, certificate):
        raise NotPermitted(
            "Only the organisation that recorded the service issues its certificate."
        )
    organization = await Organization.get(id=certificate.organization_id)
    collector = Collector()
    person = _text(
        issuance.person_in_charge,
        "personInCharge",
        CertificateErrorCode.INVALID_PERSON,
        "organisation's person in charge",
        collector,
    )
    contact = _text(
        issuance.contact if issuance.contact is not None else organization.contact_phone,
        "contact",
        CertificateErrorCode.INVALID_CONTACT,
        "issuer's contact (the organisation has none on file)",
        collector,
    )
    collector.raise_if_any()
    if certificate.status != CertificateStatus.REQUESTED:
        raise DomainError(
            CertificateErrorCode.NOT_REQUESTED, "Already issued, revoked or declined."
        )
    volunteer = await Volunteer.get(id=certificate.volunteer_id)
    records = await records_of(
        volunteer.id, organization.id, certificate.period_start, certificate.period_end
    )
    if not records:
        raise DomainError(
            CertificateErrorCode.NOTHING_RECORDED,
            "The organisation has no confirmed service of this volunteer in the period.",
        )
    handler = await User.get(id=user_id)
    now = datetime.now(UTC)
    services = [
        {
            "recordId": r.id,
            "orderId": r.order_id,
            "category": category_of(r),
            "date": r.ended_at.astimezone(CITY_ZONE).date().isoformat(),
            "hours": str(r.hours),
        }
        for r in records
    ]
    async with atomic() as tx:
        # Conditional: of two concurrent issuers one wins, and the copy is taken once.
        changed = await Certificate.filter(
            id=certificate.id, status=CertificateStatus.REQUESTED
        ).update(
            status=CertificateStatus.ISSUED,
            number=_new_number(now),
            verification_code=new_verification_code(),
            issued_at=now,
            issued_by_id=user_id,
            on_behalf=not await admin_of(principal, organization.id),
            volunteer_name=volunteer.real_name,
            id_type=ID_TYPE,
            id_number_masked=mask_id_number(volunteer.id_number),
            volunteer_number=volunteer.volunteer_number or "",
            hours=total_hours(records),
            services=services,
            organization_name=organization.name,
            person_in_charge=person,
            handler=handler.display_name,
            contact=contact,
        )
        if not changed:
            raise DomainError(
                CertificateErrorCode.NOT_REQUESTED, "Already issued, revoked or declined."
            )
        await certificate.refresh_from_db()
        _event(tx, CertificateEvent.ISSUED, certificate)
    return certificate


def _reason(raw: str) -> str:
    text = raw.strip()
    if not 2 <= len(text) <= 500:
        raise DomainError(
            CertificateErrorCode.INVALID_REASON, "Say why (2-500 characters).", "reason"
        )
    return text


async def revoke(principal: Principal, certificate_id: int, reason: str) -> Certificate:
    user_id = principal.require_user()
    certificate = await _certificate(certificate_id)
    if not await may_issue(principal, certificate):
        raise NotPermitted("Only the organisation that issued a certificate revokes it.")
    text = _reason(reason)
    async with atomic() as tx:
        changed = await Certificate.filter(
            id=certificate.id, status=CertificateStatus.ISSUED
        ).update(
            status=CertificateStatus.REVOKED,
            revoked_at=datetime.now(UTC),
            revoked_by_id=user_id,
            revocation_reason=text,
        )
        if not changed:
            raise DomainError(CertificateErrorCode.NOT_ISSUED, "Only an issued certificate.")
        await certificate.refresh_from_db()
        _event(tx, CertificateEvent.REVOKED, certificate)
    return certificate


async def decline(principal: Principal, certificate_id: int, reason: str) -> Certificate:
    """The organisation will not certify this request (e.g. the period is not what it recorded,
    or the records are in dispute); the volunteer is told why and may ask again."""
    user_id = principal.require_user()
    certificate = await _certificate(certificate_id)
    if not await may_issue(principal, certificate):
        raise NotPermitted("Only the organisation asked for a certificate declines it.")
    text = _reason(reason)
    async with atomic() as tx:
        # Conditional, like issuing: of an issue and a decline at once, one wins.
        changed = await Certificate.filter(
            id=certificate.id, status=CertificateStatus.REQUESTED
        ).update(
            status=CertificateStatus.DECLINED,
            declined_at=datetime.now(UTC),
            declined_by_id=user_id,
            decline_reason=text,
        )
        if not changed:
            raise DomainError(
                CertificateErrorCode.NOT_REQUESTED, "Already issued, revoked or declined."
            )
        await certificate.refresh_from_db()
        _event(tx, CertificateEvent.DECLINED, certificate)
    return certificate


async def readable(principal: Principal, certificate_id: int) -> Certificate | None:
    """The certificate if the caller is its owner or may issue it; None otherwise, so that a
    stranger cannot tell a foreign certificate from a missing one."""
    certificate = await Certificate.get_or_none(id=certificate_id)
    if certificate is None or not await may_read(principal, certificate):
        return None
    return certificate
