"""The catalogue of civic-issue categories: what a resident can report, the department that
answers for it and how many hours it has to rectify. Rows, not code: a city edits them in the
database; the defaults come from the city's reference data file (services/geography/data/),
and `ensure_categories` only adds the codes that are missing."""

from __future__ import annotations

from services.geography import default_reference
from services.geography.bootstrap import load_civic_categories


async def ensure_categories() -> int:
    """Adds the shipped file's missing codes; returns how many it added. Edited rows stay."""
    return await load_civic_categories(default_reference())
