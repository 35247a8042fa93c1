from schema.wall.audience import open_wall_fields
from schema.wall.queries import Query
from schema.wall.types import WallSnapshotType

__all__ = ["Query", "WallSnapshotType", "open_wall_fields"]
