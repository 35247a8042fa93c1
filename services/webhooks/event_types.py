"""Which event types of the event log a webhook may ask for, and who may see them.

The registry is generic over the log's `type` column: a domain offers its events to apps with one
`offer(...)` call below, naming the scope an app needs to receive them and the payload fields
that are personal (left out unless the app also has `personal_data:read`). Types not offered here
(e.g. time-bank transfers, which only their holder may see, or rewards) cannot be subscribed
to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.certificates import CertificateEvent
from services.civic.events import CivicEventType
from services.common.principal import Scope
from services.dispatch import DispatchEventType


@dataclass(frozen=True)
class EventKind:
    type: str
    scope: str
    description: str
    personal_fields: tuple[str, ...] = ()

    def visible_to(self, scopes: Iterable[str]) -> bool:
        return self.scope in scopes

    def shape(self, payload: dict[str, Any], scopes: Iterable[str]) -> dict[str, Any]:
        """The payload as an app with `scopes` may see it."""
        if not self.personal_fields or Scope.PERSONAL_DATA in scopes:
            return payload
        return {k: v for k, v in payload.items() if k not in self.personal_fields}


_REGISTRY: dict[str, EventKind] = {}


def offer(
    types: Iterable[str], scope: str, description: str, personal_fields: tuple[str, ...] = ()
) -> None:
    for type_ in types:
        _REGISTRY[type_] = EventKind(type_, scope, description, personal_fields)


def kind_of(type_: str) -> EventKind | None:
    return _REGISTRY.get(type_)


def known_kinds() -> list[EventKind]:
    return sorted(_REGISTRY.values(), key=lambda kind: kind.type)


# Order, assignment and service-record events: what a dispatch centre's wall shows. A note is
# free text written by a resident or a dispatcher, and may name people.
offer(
    [t.value for t in DispatchEventType],
    Scope.DISPATCH,
    "A service order, an assignment or a service record changed "
    "(data: orderId, dispatchCenterId, previousStatus, status, volunteerIds, note, ...).",
    personal_fields=("note",),
)

# Civic issues (数字城管): public cases, as on Open311, the reporter never named. A note is free
# text of the command centre's or a department's.
offer(
    [t.value for t in CivicEventType],
    Scope.READ,
    "A civic issue was reported, filed, dispatched, rectified, verified, reopened or closed "
    "(data: civicIssueId, token, districtId, dispatchCenterId, categoryId, previousStatus, "
    "status, action, note).",
    personal_fields=("note",),
)

# Certificates of service: what the national volunteer system (an app with `export`, which
# already receives the volunteers' records) follows to keep its copy of certificates current.
# Ids and the certificate number only; the certificate itself is read through the API.
offer(
    [t.value for t in CertificateEvent],
    Scope.EXPORT,
    "A certificate of service records was requested, issued, declined or revoked "
    "(data: certificateId, volunteerId, organizationId, status, number).",
)
