"""What anyone holding a certificate's code may learn: whether it is valid or revoked, who
issued it, the hours and the volunteer's masked name. Nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from models.certificates import Certificate, CertificateStatus
from services.certificates.lifecycle import CODE_LENGTH, normalise_code
from services.rewards.cards import mask_name
from settings import get_settings


@dataclass(frozen=True)
class Verification:
    code: str
    found: bool
    status: CertificateStatus | None = None
    issuer: str | None = None
    hours: Decimal | None = None
    masked_name: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.status == CertificateStatus.ISSUED


def verification_url(code: str) -> str:
    return f"{get_settings().public_base_url}/verify/{code}"


async def verify(raw: str) -> Verification:
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH or not code.isalnum():
        return Verification(code, found=False)
    # Only issued (or since revoked) certificates have a code; a request has none.
    certificate = await Certificate.get_or_none(verification_code=code)
    if certificate is None:
        return Verification(code, found=False)
    return Verification(
        code,
        found=True,
        status=certificate.status,
        issuer=certificate.organization_name,
        hours=certificate.hours,
        masked_name=mask_name(certificate.volunteer_name),
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
    )
