"""API clients: third-party apps with scoped keys. Keys are shown once and stored as a keyed
hash; they can be rotated (the previous key keeps working for a grace period) and revoked.

Revocation and rotation are written to the event log under the client's topic, so that every
process closes the WebSocket connections of a key that stopped working without polling for it
(see api/auth.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from models.accounts import ApiClient
from models.webhooks import Webhook, WebhookStatus
from services.api_clients.errors import ApiClientErrorCode
from services.common.errors import Collector, DomainError, NotAuthenticated, NotPermitted
from services.common.principal import Principal, Scope
from settings import get_settings
from subscriptions.events import atomic

API_KEY_PREFIX = "vc_"
MAX_NAME_LENGTH = 128
# A rotation's grace period is bounded: a forgotten old key must not live for ever.
MAX_GRACE_SECONDS = 30 * 24 * 3600
API_CLIENT_KEY_ROTATED = "API_CLIENT_KEY_ROTATED"
API_CLIENT_REVOKED = "API_CLIENT_REVOKED"


@dataclass(frozen=True)
class KeyCheck:
    """A valid key's principal, and when the key stops working (None: until rotated)."""

    principal: Principal
    expires_at: datetime | None


def api_client_topic(client_id: int) -> str:
    return f"api_client:{client_id}"


def require_admin(principal: Principal) -> None:
    """Clients are managed by administrators (and by the operator's command line)."""
    if not principal.is_authenticated:
        raise NotAuthenticated()
    if principal.user_id is None or not principal.is_admin:
        raise NotPermitted("Administrators only.")


def hash_key(key: str) -> str:
    # API keys are long random strings, so a keyed SHA-256 is enough (no slow KDF needed).
    return hmac.new(get_settings().secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _prefix_of(credential: str) -> str:
    return credential[len(API_KEY_PREFIX) :].split("_", 1)[0]


async def create_api_client(name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """Returns the client and its key. The key is shown this once and only its hash is kept."""
    collector = Collector()
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        collector.add(
            ApiClientErrorCode.INVALID_NAME, f"Use 1-{MAX_NAME_LENGTH} characters.", "name"
        )
    unknown = sorted(set(scopes) - set(Scope.ALL))
    if unknown:
        collector.add(
            ApiClientErrorCode.UNKNOWN_SCOPE,
            f"Unknown scopes: {', '.join(unknown)}. Known: {', '.join(Scope.ALL)}.",
            "scopes",
        )
    elif not scopes:
        collector.add(ApiClientErrorCode.NO_SCOPES, "Grant at least one scope.", "scopes")
    collector.raise_if_any()
    prefix, key = _new_key()
    client = await ApiClient.create(
        name=name, key_prefix=prefix, key_hash=hash_key(key), scopes=sorted(set(scopes))
    )
    return client, key


def _not_found() -> DomainError:
    return DomainError(ApiClientErrorCode.CLIENT_NOT_FOUND, "No such API client.", "apiClient")


async def _locked(client_id: int) -> ApiClient:
    client = await ApiClient.filter(id=client_id).select_for_update().first()
    if client is None:
        raise _not_found()
    return client


async def rotate_key(
    client_id: int, grace_seconds: int | None = None, *, now: datetime | None = None
) -> tuple[ApiClient, str]:
    """A new key, shown once. The previous one keeps working for `grace_seconds` (default
    API_KEY_GRACE_SECONDS; 0 ends it at once). A key that was already in its grace period
    ends now: only one previous key is kept."""
    grace = get_settings().api_key_grace_seconds if grace_seconds is None else grace_seconds
    if not 0 <= grace <= MAX_GRACE_SECONDS:
        raise DomainError(
            ApiClientErrorCode.INVALID_GRACE_PERIOD,
            f"Give 0 to {MAX_GRACE_SECONDS} seconds.",
            "gracePeriodSeconds",
        )
    now = now or datetime.now(UTC)
    prefix, key = _new_key()
    async with atomic() as tx:
        client = await _locked(client_id)
        if not client.enabled:
            raise DomainError(
                ApiClientErrorCode.CLIENT_REVOKED, "This client is revoked.", "apiClient"
            )
        keep = grace > 0
        client.previous_key_prefix = client.key_prefix if keep else None
        client.previous_key_hash = client.key_hash if keep else None
        client.previous_key_expires_at = now + timedelta(seconds=grace) if keep else None
        client.key_prefix, client.key_hash, client.key_rotated_at = prefix, hash_key(key), now
        await client.save()
        tx.record(
            API_CLIENT_KEY_ROTATED,
            [api_client_topic(client.id)],
            {"clientId": client.id, "previousKeyExpiresAt": _iso(client.previous_key_expires_at)},
        )
    return client, key


async def revoke(client_id: int, *, previous_key_only: bool = False) -> ApiClient:
    """Ends the client's keys at once: every key, or only the previous one of a rotation.
    Revoking a client also disables its webhooks. Repeating it changes nothing."""
    now = datetime.now(UTC)
    async with atomic() as tx:
        client = await _locked(client_id)
        if not client.enabled or (previous_key_only and client.previous_key_prefix is None):
            return client
        client.previous_key_prefix = client.previous_key_hash = None
        client.previous_key_expires_at = None
        if not previous_key_only:
            client.enabled, client.revoked_at = False, now
            await Webhook.filter(client_id=client.id, status=WebhookStatus.ACTIVE).update(
                status=WebhookStatus.DISABLED, disabled_reason="The API client was revoked."
            )
        await client.save()
        tx.record(
            API_CLIENT_REVOKED,
            [api_client_topic(client.id)],
            {"clientId": client.id, "previousKeyOnly": previous_key_only},
        )
    return client


async def check_key(credential: str, now: datetime | None = None) -> KeyCheck | None:
    """The principal of a valid API key (the current one, or the previous one within its grace
    period); None for a wrong, revoked or expired key. One indexed read."""
    prefix = _prefix_of(credential)
    client = await ApiClient.filter(
        Q(key_prefix=prefix) | Q(previous_key_prefix=prefix), enabled=True
    ).first()
    if client is None:
        return None
    digest = hash_key(credential)
    principal = Principal(api_client_id=client.id, scopes=frozenset(client.scopes))
    if client.key_prefix == prefix and hmac.compare_digest(client.key_hash, digest):
        return KeyCheck(principal, None)
    expires = client.previous_key_expires_at
    if (
        client.previous_key_prefix == prefix
        and client.previous_key_hash is not None
        and expires is not None
        and expires > (now or datetime.now(UTC))
        and hmac.compare_digest(client.previous_key_hash, digest)
    ):
        return KeyCheck(principal, expires)
    return None


def is_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIX)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
