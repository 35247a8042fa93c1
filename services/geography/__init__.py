"""The city's districts and communities: reference data loaded once (bootstrap.py, from the
file reference.py reads), looked up everywhere."""

from __future__ import annotations

from services.geography.bootstrap import bootstrap, load_districts
from services.geography.boundaries import district_at
from services.geography.reference import ReferenceData, default_reference


async def ensure_reference_data() -> int:
    """The shipped city's districts and communities where they are missing (what the tests
    and benches start from); returns how many rows it added."""
    return await load_districts(default_reference())


__all__ = [
    "ReferenceData",
    "bootstrap",
    "default_reference",
    "district_at",
    "ensure_reference_data",
    "load_districts",
]
