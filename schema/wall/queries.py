from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from schema.core.context import Info
from schema.core.errors import access_error, query_input_error, require_user
from schema.core.relay import decode_id
from schema.geography.loaders import DISTRICT
from schema.wall.types import WallSnapshotType
from services import wall
from services.common.errors import DomainError, NotPermitted
from services.dispatch import STAFF


@strawberry.type
class Query:
    @strawberry.field(
        description="What a dispatch centre's wall screen shows: today's figures, its open "
        "orders and civic issues, orders per hour, its map, and the cursor to follow "
        "`dispatchFeed` from. "
        "Dispatchers, wall screens and administrators. An unknown centre is a top-level error "
        "coded CENTER_NOT_FOUND."
    )
    async def wall_snapshot(
        self, info: Info, dispatch_center_id: relay.GlobalID
    ) -> WallSnapshotType:
        require_user(info.context.principal)
        if not info.context.principal.has_role(*STAFF, Role.WALL_DISPLAY):
            raise access_error(NotPermitted("Dispatch staff and wall screens only."))
        try:
            snapshot = await wall.wall_snapshot(
                decode_id(dispatch_center_id, "DispatchCenter") or -1
            )
        except DomainError as error:
            raise query_input_error(error) from error
        # The orders' districts were read with the area: their fields need not read them again.
        DISTRICT.of(info).prime_many({d.id: d for d in snapshot.area.districts})
        return WallSnapshotType.from_snapshot(snapshot)
