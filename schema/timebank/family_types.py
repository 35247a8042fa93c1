from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.timebank import FamilyLinkStatus, FamilyMember, FamilyRelation
from schema.core.context import Info
from schema.core.relay import database_ids
from schema.geography.loaders import DISTRICT
from schema.geography.types import DistrictType, GeoPoint
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services import timebank
from services.common import lookups

strawberry.enum(FamilyRelation, description="How a relative is related.")
strawberry.enum(
    FamilyLinkStatus, description="Whether a family link counts: PENDING until confirmed."
)


@strawberry.type(
    name="FamilyMember",
    description="A relative a volunteer registered with the time bank: credits may be given to "
    "them (if they volunteer too) and service bought for them, at their address. Visible to "
    "the two people linked and to administrators.",
)
class FamilyMemberType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The relative's name.")
    relation: FamilyRelation = strawberry.field(description="Their relation to the holder.")
    status: FamilyLinkStatus = strawberry.field(description="Whether the link counts.")
    has_account: bool = strawberry.field(
        description="The relative signs in themselves and confirms the link; false for a "
        "dependant registered by name, whose link counts at once."
    )
    address: str = strawberry.field(description="Where service bought for them is given.")
    location: GeoPoint = strawberry.field(description="Map point of the address.")
    created_at: datetime = strawberry.field(description="When registered.")
    confirmed_at: datetime | None = strawberry.field(description="When the link began to count.")
    row: strawberry.Private[FamilyMember]

    @classmethod
    def from_model(cls, row: FamilyMember) -> FamilyMemberType:
        return cls(
            id=row.id,
            name=row.name,
            relation=row.relation,
            status=row.status,
            has_account=row.member_user_id is not None,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            created_at=row.created_at,
            confirmed_at=row.confirmed_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await lookups.by_ids(FamilyMember, database_ids(node_ids))
        principal = info.context.principal
        return [
            cls.from_model(r) if r and await timebank.may_view_family_member(principal, r) else None
            for r in rows
        ]

    @strawberry.field(description="The volunteer who registered the relative.")
    async def holder(self, info: Info) -> VolunteerType | None:
        row = await VOLUNTEER.load(info, self.row.holder_id)
        return VolunteerType.from_model(row) if row else None

    @strawberry.field(description="District of the address.")
    async def district(self, info: Info) -> DistrictType | None:
        row = await DISTRICT.load(info, self.row.district_id)
        return DistrictType.from_model(row) if row else None
