"""Certificates of service records (志愿服务记录证明): request, issue or decline, revoke, verify,
render."""

from services.certificates.lifecycle import (
    CertificateEvent,
    Issuance,
    decline,
    issue,
    may_issue,
    may_read,
    readable,
    request,
    revoke,
)
from services.certificates.pdf import FontMissing, render
from services.certificates.verification import Verification, verification_url, verify

__all__ = [
    "CertificateEvent",
    "FontMissing",
    "Issuance",
    "Verification",
    "decline",
    "issue",
    "may_issue",
    "may_read",
    "readable",
    "render",
    "request",
    "revoke",
    "verification_url",
    "verify",
]
