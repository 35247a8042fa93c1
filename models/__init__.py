"""Tortoise models, one module per domain. Relations are declared by string ("models.X")."""

from models.accounts import ApiClient, Role, User
from models.geography import Community, District
from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
)
from models.volunteers import Availability, Gender, Skill, Volunteer, VolunteerStatus

__all__ = [
    "ApiClient",
    "Availability",
    "Community",
    "District",
    "Gender",
    "Membership",
    "MembershipRole",
    "MembershipStatus",
    "Organization",
    "OrganizationCategory",
    "Role",
    "Skill",
    "User",
    "Volunteer",
    "VolunteerStatus",
]
