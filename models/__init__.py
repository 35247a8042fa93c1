"""Tortoise models, one module per domain. Relations are declared by string ("models.X")."""

from models.accounts import ApiClient, Role, User
from models.dispatch import (
    AssignmentStatus,
    CenterCoverage,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    RecordStatus,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
    Urgency,
)
from models.events import Event
from models.geography import Community, District
from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
)
from models.stations import Station, StationKind
from models.timebank import AccountKind, Movement, TimeAccount, Transfer, TransferKind
from models.volunteers import Availability, Gender, Skill, Volunteer, VolunteerStatus
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus

__all__ = [
    "AccountKind",
    "ApiClient",
    "AssignmentStatus",
    "Availability",
    "CenterCoverage",
    "CenterLevel",
    "Community",
    "DeliveryStatus",
    "DispatchCenter",
    "District",
    "Event",
    "Gender",
    "Membership",
    "MembershipRole",
    "MembershipStatus",
    "Movement",
    "OrderAssignment",
    "OrderStatus",
    "OrderTransition",
    "Organization",
    "OrganizationCategory",
    "RecordStatus",
    "Role",
    "ServiceCategory",
    "ServiceOrder",
    "ServiceRecord",
    "Skill",
    "Station",
    "StationKind",
    "TimeAccount",
    "Transfer",
    "TransferKind",
    "Urgency",
    "User",
    "Volunteer",
    "VolunteerStatus",
    "Webhook",
    "WebhookDelivery",
    "WebhookStatus",
]
