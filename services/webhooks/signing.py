"""Webhook signatures, two ways over the same body and timestamp.

Standard Webhooks (standardwebhooks.com, signed with its own library): `webhook-id` (the
delivery's id, the same for every attempt, so a receiver can drop repeats), `webhook-timestamp`
and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, with a secret
`whsec_<base64 of 32 random bytes>`. Receivers verify with that spec's library in any language.
A webhook whose secret was made before we signed this way (URL-safe, not standard base64) is
signed the old way only, until its secret is rotated.

The older `VC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, in the scheme
Stripe made familiar, is still sent beside it during a deprecation window (see the README):
it does not sign the delivery id.

After a rotation each header carries one signature per secret in use, the new one first, until
the previous one expires: a receiver accepts the request when any of them matches the secret it
holds."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

from standardwebhooks import Webhook

SIGNATURE_HEADER = "VC-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_TOLERANCE_SECONDS = 300


STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
# The spec asks for 24 to 64 bytes of key.
STANDARD_KEY_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(STANDARD_KEY_BYTES)).decode()


def is_standard(secret: str) -> bool:
    """Whether a receiver's Standard Webhooks library reads this secret as we do: `whsec_` and
    strict base64 of at least 24 bytes (older secrets are URL-safe base64, which it misreads)."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(key) >= 24


def standard_headers(
    secret: str, message_id: str, timestamp: int, body: bytes, *previous: str
) -> dict[str, str]:
    """The Standard Webhooks headers, signed with every standard secret in use; none when no
    secret in use is standard (a webhook from before, until it is rotated)."""
    when = datetime.fromtimestamp(timestamp, UTC)
    text = body.decode()
    signatures = [
        Webhook(s).sign(message_id, when, text) for s in (secret, *previous) if is_standard(s)
    ]
    if not signatures:
        return {}
    return {
        STANDARD_ID_HEADER: message_id,
        STANDARD_TIMESTAMP_HEADER: str(timestamp),
        STANDARD_SIGNATURE_HEADER: " ".join(signatures),
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes, *previous: str) -> str:
    signatures = "".join(f",v1={signature(s, timestamp, body)}" for s in (secret, *previous))
    return f"t={timestamp}{signatures}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: the header is well formed, recent, and one `v1` matches."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
