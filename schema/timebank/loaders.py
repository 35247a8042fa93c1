"""The time bank's DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.timebank import FamilyMember, Transfer
from schema.core.loaders import Loader, by_id
from services.timebank import lookups

TIME_TRANSFER = by_id(Transfer)
FAMILY_MEMBER = by_id(FamilyMember)
ORDER_OF_TRANSFER = Loader(lookups.orders_of_transfers)
