from __future__ import annotations

import strawberry
from strawberry import relay

from models.certificates import CertificateStatus
from schema.certificates.types import CertificateType, CertificateVerification
from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, id_of, paginate
from services import certificates
from services.certificates import lists
from services.common.errors import AccessError


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in volunteer's certificates and requests.")
    async def my_certificates(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[CertificateType]:
        try:
            query = lists.own(info.context.principal)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, CertificateType.from_model)

    @strawberry.field(
        description="An organisation's certificate requests and certificates, optionally of "
        "one status: for its admins. An ID that is not an organisation's is NOT_FOUND."
    )
    async def organization_certificates(
        self,
        info: Info,
        organization: relay.GlobalID,
        status: CertificateStatus | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[CertificateType]:
        pk = id_of(organization, "Organization", "Query.organizationCertificates(organization:)")
        try:
            query = await lists.of_organization(info.context.principal, pk, status)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, CertificateType.from_model)

    @strawberry.field(
        description="Public: whether the certificate with this code is valid or revoked, its "
        "issuer, hours and the volunteer's masked name. Nothing more."
    )
    async def verify_certificate(self, code: str) -> CertificateVerification:
        return CertificateVerification.from_result(await certificates.verify(code))
