from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from schema.core.context import Info
from schema.core.errors import query_input_error
from schema.core.permissions import requires
from schema.core.relay import id_of
from schema.geography.loaders import DISTRICT
from schema.wall.types import WallSnapshotType
from services import wall
from services.common.errors import DomainError
from services.dispatch import STAFF


@strawberry.type
class Query:
    @strawberry.field(
        description="What a dispatch centre's wall screen shows: today's figures, its open "
        "orders and civic issues, orders per hour, its map, and the cursor to follow "
        "`dispatchFeed` from. An unknown centre is a top-level error coded CENTER_NOT_FOUND.",
        extensions=[requires(*STAFF, Role.WALL_DISPLAY)],
    )
    async def wall_snapshot(self, info: Info, dispatch_center: relay.GlobalID) -> WallSnapshotType:
        try:
            snapshot = await wall.wall_snapshot(
                id_of(dispatch_center, "DispatchCenter", "Query.wallSnapshot(dispatchCenter:)")
            )
        except DomainError as error:
            raise query_input_error(error) from error
        # The orders' districts were read with the area: their fields need not read them again.
        DISTRICT.of(info).prime_many({d.id: d for d in snapshot.area.districts})
        return WallSnapshotType.from_snapshot(snapshot)
