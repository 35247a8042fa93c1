"""The accounts DataLoaders (see schema/core/loaders.py)."""

from __future__ import annotations

from models.accounts import User
from schema.core.loaders import by_id

USER = by_id(User)
