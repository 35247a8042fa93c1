from schema.wall.queries import Query
from schema.wall.types import WallSnapshotType

__all__ = ["Query", "WallSnapshotType"]
