"""Changing a registered station (ADMIN): every field as for a new one, checked the same way on
the station as the change would leave it, and recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tortoise.transactions import in_transaction

from models.dispatch import ServiceCategory
from models.stations import Station, StationKind
from models.volunteers import unpack_tags
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from services.stations import STATION_FIELDS, NewStation, check_station, station_values
from services.stations.errors import StationErrorCode

# `community_id=CLEAR` / `organization_id=CLEAR` removes it (None leaves it as it is).
CLEAR = 0


@dataclass(frozen=True)
class StationChange:
    kind: StationKind | None = None
    name: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    district_id: int | None = None
    community_id: int | None = None
    organization_id: int | None = None
    opening_hours: str | None = None
    services: list[ServiceCategory] | None = None


def _as_data(row: Station) -> NewStation:
    return NewStation(
        kind=row.kind,
        name=row.name,
        address=row.address,
        lat=row.lat,
        lng=row.lng,
        district_id=row.district_id,
        community_id=row.community_id,
        organization_id=row.organization_id,
        opening_hours=row.opening_hours,
        services=[ServiceCategory(s) for s in unpack_tags(row.services)],
    )


def _changed(data: NewStation, change: StationChange) -> NewStation:
    given = {k: v for k, v in vars(change).items() if v is not None}
    for key in ("community_id", "organization_id"):
        if given.get(key) == CLEAR:
            given[key] = None
    if "district_id" in given and "community_id" not in given:
        # A community belongs to one district: moving the station leaves its community behind.
        given["community_id"] = None
    return replace(data, **given)


async def update_station(principal: Principal, station_id: int, change: StationChange) -> Station:
    return await change_station(await Actor.admin(principal), station_id, change)


async def change_station(actor: Actor, station_id: int, change: StationChange) -> Station:
    async with in_transaction():
        station = await Station.filter(id=station_id).select_for_update().first()
        if station is None:
            raise DomainError(StationErrorCode.STATION_NOT_FOUND, "No such station.", "station")
        data = _changed(_as_data(station), change)
        collector = Collector()
        await check_station(data, collector)
        name = data.name.strip()
        if await Station.filter(name=name).exclude(id=station.id).exists():
            collector.add(
                StationErrorCode.DUPLICATE_NAME, "A station with this name already exists.", "name"
            )
        collector.raise_if_any()
        before = snapshot(station, STATION_FIELDS)
        station.update_from_dict(station_values(data))
        await station.save(update_fields=list(STATION_FIELDS))
        after = snapshot(station, STATION_FIELDS)
        if after != before:
            await actor.record("updateStation", "Station", station.id, before, after)
    return station
