from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from models.geography import Community, District
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import load_nodes
from schema.geography.loaders import COMMUNITIES_OF_DISTRICT, DISTRICT
from services.geography.errors import GeographyErrorCode

strawberry.enum(
    GeographyErrorCode, description="Why a change to districts or communities was refused."
)


@strawberry.type(description="A point on the map (WGS-84 degrees).")
class GeoPoint:
    lat: float = strawberry.field(description="Latitude in degrees.")
    lng: float = strawberry.field(description="Longitude in degrees.")


# Declared here, beside GeoPoint, so that every domain above geography can take a point.
@strawberry.input(description="A map point.")
class GeoPointInput:
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
    division_code: str | None = strawberry.field(
        description="GB/T 2260 code (six digits); null for a functional zone without one."
    )

    @classmethod
    def from_model(cls, row: District) -> DistrictType:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            population=row.population,
            center=GeoPoint(lat=row.center_lat, lng=row.center_lng),
            division_code=row.division_code,
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
    division_code: str | None = strawberry.field(
        description="Statistical division code (9 or 12 digits), where known."
    )
    district_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Community) -> CommunityType:
        return cls(
            id=row.id,
            name=row.name,
            population=row.population,
            center=GeoPoint(lat=row.center_lat, lng=row.center_lng),
            division_code=row.division_code,
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


@strawberry.type(description="A problem with a change to districts or communities.")
class GeographyError(DomainErrorType[GeographyErrorCode]):
    pass


@payload_type(description="The district after the change, or why nothing changed.")
class DistrictPayload(Payload[GeographyError]):
    district: DistrictType | None = strawberry.field(default=None, description="Null on errors.")


@payload_type(description="The community after the change, or why nothing changed.")
class CommunityPayload(Payload[GeographyError]):
    community: CommunityType | None = strawberry.field(default=None, description="Null on errors.")
