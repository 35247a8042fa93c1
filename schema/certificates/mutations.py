from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from models.certificates import Certificate
from schema.certificates.types import (
    CertificatePayload,
    CertificateType,
    RequestCertificatePayload,
)
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from services import certificates
from services.certificates import Issuance
from services.certificates.errors import CertificateErrorCode
from services.common.errors import Problem


@strawberry.input(description="The period to certify, and optionally the organisation.")
class RequestCertificateInput:
    period_start: date = strawberry.field(description="First day (city zone), from 2000 on.")
    period_end: date = strawberry.field(description="Last day, included; not after today.")
    organization: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only this Organization's records; null asks every organisation that "
        "recorded service in the period, one request each.",
    )


@strawberry.input(description="A requested certificate to issue, with its issuer's details.")
class IssueCertificateInput:
    certificate: relay.GlobalID = strawberry.field(description="The Certificate.")
    person_in_charge: str = strawberry.field(description="The organisation's person in charge.")
    contact: str | None = strawberry.field(
        default=None, description="The issuer's contact; null is the organisation's phone."
    )


@strawberry.input(description="An issued certificate to revoke.")
class RevokeCertificateInput:
    certificate: relay.GlobalID = strawberry.field(description="The Certificate.")
    reason: str = strawberry.field(description="Why (2-500 characters); shown when verified.")


@strawberry.input(description="A requested certificate the organisation will not issue.")
class DeclineCertificateInput:
    certificate: relay.GlobalID = strawberry.field(description="The Certificate.")
    reason: str = strawberry.field(
        description="Why (2-500 characters); the volunteer is told it and may ask again."
    )


def _missing() -> list[Problem]:
    return problem(
        CertificateErrorCode.CERTIFICATE_NOT_FOUND, "No such certificate.", "certificate"
    )


def _present(row: Certificate) -> CertificatePayload:
    return CertificatePayload(certificate=CertificateType.from_model(row))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="The signed-in volunteer asks for a certificate of the confirmed service "
        "recorded in a period: one request per organisation that recorded some of it, which "
        "only that organisation issues.",
        extensions=[requires()],
    )
    async def request_certificate(
        self, info: Info, input: RequestCertificateInput
    ) -> RequestCertificatePayload:
        organization = None
        if input.organization is not None:
            organization = decode_id(input.organization, "Organization")
            if organization is None:
                return RequestCertificatePayload.failed(
                    problem(
                        CertificateErrorCode.ORGANIZATION_NOT_FOUND,
                        "No such organisation.",
                        "organization",
                    )
                )
        call = certificates.request(
            info.context.principal, input.period_start, input.period_end, organization
        )
        return await payload(
            RequestCertificatePayload,
            call,
            lambda rows: RequestCertificatePayload(
                certificates=[CertificateType.from_model(r) for r in rows]
            ),
        )

    @strawberry.mutation(
        description="Issue a requested certificate: the admin of the organisation that recorded "
        "the service (or a platform administrator, where CERTIFICATES_PLATFORM_ISSUES is on). "
        "Its contents are fixed from now on.",
        extensions=[requires()],
    )
    async def issue_certificate(
        self, info: Info, input: IssueCertificateInput
    ) -> CertificatePayload:
        pk = decode_id(input.certificate, "Certificate")
        if pk is None:
            return CertificatePayload.failed(_missing())
        issuance = Issuance(pk, input.person_in_charge, input.contact)
        return await payload(
            CertificatePayload, certificates.issue(info.context.principal, issuance), _present
        )

    @strawberry.mutation(
        description="Revoke an issued certificate, with the reason; verification says REVOKED "
        "from now on.",
        extensions=[requires()],
    )
    async def revoke_certificate(
        self, info: Info, input: RevokeCertificateInput
    ) -> CertificatePayload:
        pk = decode_id(input.certificate, "Certificate")
        if pk is None:
            return CertificatePayload.failed(_missing())
        call = certificates.revoke(info.context.principal, pk, input.reason)
        return await payload(CertificatePayload, call, _present)

    @strawberry.mutation(
        description="Decline a requested certificate instead of issuing it, with the reason: "
        "the organisation's admins (or the platform, as for issuing). The volunteer is "
        "notified and may request the period again.",
        extensions=[requires()],
    )
    async def decline_certificate(
        self, info: Info, input: DeclineCertificateInput
    ) -> CertificatePayload:
        pk = decode_id(input.certificate, "Certificate")
        if pk is None:
            return CertificatePayload.failed(_missing())
        call = certificates.decline(info.context.principal, pk, input.reason)
        return await payload(CertificatePayload, call, _present)
