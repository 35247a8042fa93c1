"""The wall's DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from schema.core.loaders import Loader
from services.wall import activities

SESSION_COUNTS = Loader(activities.session_counts)
