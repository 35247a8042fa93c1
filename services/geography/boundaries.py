"""District outlines: read from the GeoJSON file a city's reference data names, and used to
place a point in its district (an order submitted with a map point and no district).

Point in polygon by ray casting (even-odd rule, holes included), in plain Python: a city has a
handful of districts of a few thousand vertices, so a point is placed in well under a
millisecond, and a geometry library with native code would be a dependency for one loop."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.geography import District
from services.common.errors import DomainError, Problem
from services.geography.errors import GeographyErrorCode

Ring = Sequence[Sequence[float]]
# Polygons of rings; the first ring of each is its outline, the others its holes.
Shape = Sequence[Sequence[Ring]]
MAX_FILE_BYTES = 20_000_000


def in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Whether the point is inside a closed ring (lng, lat pairs), by counting the edges a ray
    to the east crosses; a point exactly on an edge may fall either side."""
    inside = False
    count = len(ring)
    for index in range(count):
        x1, y1 = ring[index][0], ring[index][1]
        x2, y2 = ring[index - 1][0], ring[index - 1][1]
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_shape(lng: float, lat: float, shape: Shape) -> bool:
    return any(
        in_ring(lng, lat, polygon[0]) and not any(in_ring(lng, lat, h) for h in polygon[1:])
        for polygon in shape
        if polygon
    )


def _problem(where: str, message: str) -> Problem:
    return Problem(GeographyErrorCode.INVALID_REFERENCE_DATA, f"{where}: {message}", where)


def _valid_ring(ring: Any) -> bool:
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(
            isinstance(p, list)
            and len(p) >= 2
            and all(isinstance(v, int | float) for v in p[:2])
            and -180 <= p[0] <= 180
            and -90 <= p[1] <= 90
            for p in ring
        )
    )


def read_boundaries(path: Path, codes: set[str]) -> dict[str, str]:
    """The MultiPolygon of each district in a GeoJSON FeatureCollection whose features carry
    the district's `code` in their properties, as compact JSON by code."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DomainError(
                GeographyErrorCode.UNREADABLE_FILE, f"{name}: larger than 20 MB", "boundaries"
            )
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DomainError(
            GeographyErrorCode.UNREADABLE_FILE,
            f"{name}: not readable GeoJSON: {error}",
            "boundaries",
        ) from error
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise DomainError.many([_problem(name, "not a GeoJSON FeatureCollection")])
    problems: list[Problem] = []
    shapes: dict[str, str] = {}
    for index, feature in enumerate(features):
        where = f"{name}: features[{index}]"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("code") if isinstance(properties, dict) else None
        if code not in codes:
            problems.append(_problem(f"{where}.properties.code", f"no such district: {code!r}"))
            continue
        geometry = feature.get("geometry") or {}
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        polygons = [coordinates] if kind == "Polygon" else coordinates
        if (
            kind not in ("Polygon", "MultiPolygon")
            or not isinstance(polygons, list)
            or not all(
                isinstance(p, list) and p and all(_valid_ring(r) for r in p) for p in polygons
            )
        ):
            problems.append(
                _problem(f"{where}.geometry", "a Polygon or MultiPolygon of closed rings")
            )
            continue
        if code in shapes:
            problems.append(_problem(f"{where}.properties.code", f"{code} appears twice"))
        shapes[str(code)] = json.dumps(
            {"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":")
        )
    if problems:
        raise DomainError.many(problems)
    return shapes


def _shape(boundary: str) -> Shape:
    coordinates: Shape = json.loads(boundary)["coordinates"]
    return coordinates


def outline_holds(district: District, lat: float, lng: float) -> bool:
    """Whether the point lies inside the district's outline; True where it has none."""
    return not district.boundary or in_shape(lng, lat, _shape(district.boundary))


async def district_at(lat: float, lng: float) -> District | None:
    """The district whose outline holds the point, or None (outside them all, or a city that
    supplied no outlines)."""
    for district in (
        await District.filter(boundary__isnull=False).exclude(boundary="").order_by("id")
    ):
        if in_shape(lng, lat, _shape(district.boundary or "{}")):
            return district
    return None
