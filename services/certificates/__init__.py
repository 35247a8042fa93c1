"""Certificates of service records (志愿服务记录证明): request, issue, revoke, verify, render."""

from services.certificates.lifecycle import (
    CertificateEvent,
    Issuance,
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
