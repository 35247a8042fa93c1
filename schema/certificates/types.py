from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from models.certificates import Certificate, CertificateStatus
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from services import certificates
from services.certificates.errors import CertificateErrorCode

strawberry.enum(CertificateStatus, description="Where a certificate stands.")
strawberry.enum(CertificateErrorCode, description="Why a certificate request failed.")


@strawberry.type(name="CertificateError", description="A problem with a certificate request.")
class CertificateError(DomainErrorType[CertificateErrorCode]):
    pass


@strawberry.type(description="One service the certificate covers.")
class CertifiedService:
    date: date = strawberry.field(description="The day it ended, in the city's zone.")
    order_id: relay.GlobalID = strawberry.field(description="The ServiceOrder served.")
    category: str = strawberry.field(description="The order's ServiceCategory.")
    hours: Decimal = strawberry.field(description="The confirmed hours.")


@strawberry.type(
    name="Certificate",
    description="A certificate of service records (志愿服务记录证明). Visible to its volunteer "
    "and to the issuing organisation's admins. Everything but the status is fixed at issue.",
)
class CertificateType(relay.Node):
    id: relay.NodeID[int]
    status: CertificateStatus = strawberry.field(
        description="REQUESTED, then ISSUED (and perhaps REVOKED) or DECLINED."
    )
    organization_id: relay.GlobalID = strawberry.field(
        description="The Organization that recorded the service and issues the certificate."
    )
    period_start: date = strawberry.field(description="First day covered (city zone).")
    period_end: date = strawberry.field(description="Last day covered, included.")
    requested_at: datetime = strawberry.field(description="When the volunteer asked for it.")
    number: str | None = strawberry.field(description="The certificate number; null until issued.")
    verification_code: str | None = strawberry.field(
        description="The short code for `verifyCertificate` and /verify/<code>; null until issued."
    )
    issued_at: datetime | None = strawberry.field(description="Date of issue; null until issued.")
    volunteer_name: str = strawberry.field(description="The volunteer's name, as issued.")
    id_type: str = strawberry.field(description="The type of the volunteer's ID, as issued.")
    id_number_masked: str = strawberry.field(description="The ID number, masked.")
    volunteer_number: str = strawberry.field(description="The volunteer number, as issued.")
    hours: Decimal | None = strawberry.field(description="Hours certified; null until issued.")
    services: list[CertifiedService] = strawberry.field(description="The services certified.")
    organization_name: str = strawberry.field(description="The issuer, as issued.")
    person_in_charge: str = strawberry.field(description="The issuer's person in charge.")
    handler: str = strawberry.field(description="Who handled the issue.")
    contact: str = strawberry.field(description="The issuer's contact.")
    on_behalf: bool = strawberry.field(
        description="Issued by the platform on the organisation's behalf."
    )
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    revocation_reason: str = strawberry.field(description="Why it was revoked; empty if not.")
    declined_at: datetime | None = strawberry.field(
        description="When the organisation declined the request, if it did."
    )
    decline_reason: str | None = strawberry.field(
        description="Why the request was declined; null if it was not."
    )
    pdf_url: str | None = strawberry.field(
        description="GET it with the same bearer token: the PDF; null until issued."
    )
    verification_url: str | None = strawberry.field(
        description="The public verification page its QR code points to; null until issued."
    )

    @classmethod
    def from_model(cls, row: Certificate) -> CertificateType:
        code = row.verification_code
        return cls(
            id=row.id,
            status=row.status,
            organization_id=relay.GlobalID("Organization", str(row.organization_id)),
            period_start=row.period_start,
            period_end=row.period_end,
            requested_at=row.requested_at,
            number=row.number,
            verification_code=code,
            issued_at=row.issued_at,
            volunteer_name=row.volunteer_name,
            id_type=row.id_type,
            id_number_masked=row.id_number_masked,
            volunteer_number=row.volunteer_number,
            hours=row.hours,
            services=[
                CertifiedService(
                    date=date.fromisoformat(str(s["date"])),
                    order_id=relay.GlobalID("ServiceOrder", str(s["orderId"])),
                    category=str(s["category"]),
                    hours=Decimal(str(s["hours"])),
                )
                for s in row.services
            ],
            organization_name=row.organization_name,
            person_in_charge=row.person_in_charge,
            handler=row.handler,
            contact=row.contact,
            on_behalf=row.on_behalf,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            declined_at=row.declined_at,
            decline_reason=row.decline_reason,
            pdf_url=f"/certificates/{row.id}.pdf" if code else None,
            verification_url=certificates.verification_url(code) if code else None,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal = info.context.principal
        found = []
        for pk in database_ids(node_ids):
            row = await certificates.readable(principal, pk)
            found.append(cls.from_model(row) if row is not None else None)
        return found


@strawberry.type(
    description="What anyone with a certificate's code may learn of it, and nothing more."
)
class CertificateVerification:
    code: str = strawberry.field(description="The code asked about, normalised.")
    found: bool = strawberry.field(description="False when no certificate has this code.")
    valid: bool = strawberry.field(description="True only for an issued, unrevoked certificate.")
    status: CertificateStatus | None = strawberry.field(description="ISSUED or REVOKED.")
    issuer: str | None = strawberry.field(description="The issuing organisation.")
    hours: Decimal | None = strawberry.field(description="The hours certified.")
    masked_name: str | None = strawberry.field(description="The volunteer's name, masked (陈**).")
    issued_at: datetime | None = strawberry.field(description="Date of issue.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")

    @classmethod
    def from_result(cls, result: certificates.Verification) -> CertificateVerification:
        return cls(
            code=result.code,
            found=result.found,
            valid=result.valid,
            status=result.status,
            issuer=result.issuer,
            hours=result.hours,
            masked_name=result.masked_name,
            issued_at=result.issued_at,
            revoked_at=result.revoked_at,
        )


@payload_type(description="The requests made (one per recording organisation), or why none.")
class RequestCertificatePayload(Payload[CertificateError]):
    certificates: list[CertificateType] = strawberry.field(
        default_factory=list, description="The new requests."
    )


@payload_type(description="The certificate after the change, or why nothing changed.")
class CertificatePayload(Payload[CertificateError]):
    certificate: CertificateType | None = strawberry.field(
        default=None, description="The certificate; null when refused."
    )
