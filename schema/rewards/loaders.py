"""The rewards DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.rewards import Benefit, BenefitProvider
from schema.core.loaders import Loader, by_id
from services.rewards import lookups

BENEFIT = by_id(Benefit)
BENEFIT_PROVIDER = by_id(BenefitProvider)
BENEFITS_OF_PROVIDER = Loader(lookups.benefits_of_providers)
COVERED_COUNT = Loader(lookups.covered_counts)
STAR_LEVELS_OF_VOLUNTEER = Loader(lookups.star_levels_of_volunteers)
CARD_OF_VOLUNTEER = Loader(lookups.cards_of_volunteers)
COVERAGE_OF_VOLUNTEER = Loader(lookups.coverage_of_volunteers)
COMMENDATIONS_OF_VOLUNTEER = Loader(lookups.commendations_of_volunteers)
