"""The lists of certificates a caller may page through: their own, and an organisation's."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from models.certificates import Certificate, CertificateStatus
from services.certificates.lifecycle import admin_of, on_behalf
from services.common.errors import NotPermitted
from services.common.principal import Principal


def own(principal: Principal) -> QuerySet[Certificate]:
    user_id = principal.require_user()
    return Certificate.filter(volunteer__user_id=user_id)


async def of_organization(
    principal: Principal, organization_id: int, status: CertificateStatus | None
) -> QuerySet[Certificate]:
    """The organisation's requests and certificates: for its admins (and the platform when it
    issues on organisations' behalf)."""
    principal.require_user()
    if not (await admin_of(principal, organization_id) or on_behalf(principal)):
        raise NotPermitted("Only the organisation's admins see its certificates.")
    query = Certificate.filter(organization_id=organization_id)
    return query.filter(status=status) if status is not None else query
