from __future__ import annotations

import strawberry

from models.geography import District
from schema.geography.types import DistrictType


@strawberry.type
class Query:
    @strawberry.field(description="The districts and counties of the city.")
    async def districts(self) -> list[DistrictType]:
        return [DistrictType.from_model(row) for row in await District.all().order_by("id")]
