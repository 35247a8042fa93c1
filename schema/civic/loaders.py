"""The civic DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.civic import CivicCategory, CivicIssue
from schema.core.loaders import Loader, by_id
from services.civic import lookups

CIVIC_CATEGORY = by_id(CivicCategory)
CIVIC_ISSUE = by_id(CivicIssue)
PHOTOS_OF_CIVIC_ISSUE = Loader(lookups.photos_of_issues)
TIMELINE_OF_CIVIC_ISSUE = Loader(lookups.timelines_of_issues)
