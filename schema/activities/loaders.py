"""The activities' DataLoaders (see schema/core/loaders.py). A volunteer's qualifications are
declared here too: the Volunteer type (schema/volunteers) shows them through this domain."""

from __future__ import annotations

from models.activities import Activity, ActivityPosition, ActivitySession
from models.stations import Station
from schema.core.loaders import Loader, by_id
from services.activities import lookups

ACTIVITY = by_id(Activity)
SESSION = by_id(ActivitySession)
POSITION = by_id(ActivityPosition)
STATION = by_id(Station)
SESSIONS_OF_ACTIVITY = Loader(lookups.sessions_of_activities)
POSITIONS_OF_ACTIVITY = Loader(lookups.positions_of_activities)
SIGN_UPS_OF_SESSION = Loader(lookups.sign_ups_of_sessions)
COUNTS_OF_SESSION = Loader(lookups.status_counts_of_sessions)
COUNTS_OF_ACTIVITY = Loader(lookups.status_counts_of_activities)
QUALIFICATIONS_OF_VOLUNTEER = Loader(lookups.qualifications_of_volunteers)
