"""The geography DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.geography import Community, District
from schema.core.loaders import Loader, by_id
from services.geography import lookups

DISTRICT = by_id(District)
COMMUNITY = by_id(Community)
COMMUNITIES_OF_DISTRICT = Loader(lookups.communities_of_districts)
