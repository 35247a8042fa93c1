from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from models.geography import Community, District
from schema.core.context import Info
from schema.core.relay import load_nodes
from schema.geography.loaders import COMMUNITIES_OF_DISTRICT, DISTRICT


@strawberry.type(description="A point on the map (WGS-84 degrees).")
class GeoPoint:
    lat: float = strawberry.field(description="Latitude in degrees.")
    lng: float = strawberry.field(description="Longitude in degrees.")


@strawberry.type(name="District", description="A district or county of Huizhou (区/县).")
class DistrictType(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. HUICHENG.")
    name: str = strawberry.field(description="Chinese name, e.g. 惠城区.")
    name_en: str = strawberry.field(description="English name.")
    population: int = strawberry.field(description="Resident population.")
    center: GeoPoint = strawberry.field(description="Seat of the district government.")

    @classmethod
    def from_model(cls, row: District) -> DistrictType:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            population=row.population,
            center=GeoPoint(lat=row.center_lat, lng=row.center_lng),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(District, node_ids, cls.from_model)

    @strawberry.field(description="Communities and streets of this district.")
    async def communities(self, info: Info) -> list[CommunityType]:
        rows = await COMMUNITIES_OF_DISTRICT.load(info, self.id)
        return [CommunityType.from_model(r) for r in rows]


@strawberry.type(name="Community", description="A community or street (社区/街道).")
class CommunityType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Chinese name.")
    population: int = strawberry.field(description="Resident population.")
    center: GeoPoint = strawberry.field(description="Centre point, for distance statistics.")
    district_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Community) -> CommunityType:
        return cls(
            id=row.id,
            name=row.name,
            population=row.population,
            center=GeoPoint(lat=row.center_lat, lng=row.center_lng),
            district_id=row.district_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(Community, node_ids, cls.from_model)

    @strawberry.field(description="The district it belongs to.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.district_id)
        assert row is not None
        return DistrictType.from_model(row)
