"""The organisations DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.organizations import Organization
from schema.core.loaders import Loader, by_id
from services.organizations import lookups

ORGANIZATION = by_id(Organization)
MEMBERS_OF_ORGANIZATION = Loader(lookups.approved_members)
APPLICATIONS_OF_ORGANIZATION = Loader(lookups.applications_of_organizations)
MEMBER_COUNT = Loader(lookups.member_counts)
