"""The DataLoaders of what hangs off a volunteer (see schema/core/loaders.py). Their
organisations and memberships are read by services/organizations, the reports they filed by
services/civic: declared here, as the domains that own those rows build on this one."""

from __future__ import annotations

from models.volunteers import Volunteer
from schema.core.loaders import Loader, by_id
from services.civic import lookups as civic
from services.organizations import lookups as organizations

VOLUNTEER = by_id(Volunteer)
ORGANIZATIONS_OF_VOLUNTEER = Loader(organizations.organizations_of_volunteers)
MEMBERSHIPS_OF_VOLUNTEER = Loader(organizations.memberships_of_volunteers)
CIVIC_REPORTS_FILED = Loader(civic.filed_reports_of_volunteers)
