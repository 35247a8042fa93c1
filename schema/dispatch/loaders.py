"""The dispatch DataLoaders (see schema/core/loaders.py). An order's time-bank payment is read
by services/timebank, but declared here: schema/timebank builds on schema/dispatch."""

from __future__ import annotations

from models.dispatch import DispatchCenter, ServiceOrder
from schema.core.loaders import Loader, by_id
from services.dispatch import lookups
from services.timebank import lookups as timebank

DISPATCH_CENTER = by_id(DispatchCenter)
ORDER = by_id(ServiceOrder)
ASSIGNMENTS_OF_ORDER = Loader(lookups.assignments_of_orders)
COVERAGE_OF_CENTER = Loader(lookups.coverage_of_centers)
PAYMENT_OF_ORDER = Loader(timebank.payments_of_orders)
