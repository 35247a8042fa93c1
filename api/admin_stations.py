"""`volunteer-city admin station ...`: the city's stations (站、岗、点、室, community service
stations, dispatch centres' offices) at the console, through the services behind
`createStation` and `updateStation`; each change is audited as `cli:<login>`."""

from __future__ import annotations

from typing import Annotated

import typer

from api.admin_console import console, district_id, run_service
from models.dispatch import ServiceCategory
from models.stations import Station, StationKind

stations = typer.Typer(help="Stations of the 10-minute service circle.", no_args_is_help=True)

Services = Annotated[
    list[ServiceCategory] | None, typer.Option("--service", help="A service offered; repeat.")
]
OpeningHours = Annotated[str | None, typer.Option(help="Opening hours, as shown to residents.")]


def _clearable(value: str | None, hint: str) -> int | None:
    """An id, `none` (the service's CLEAR, 0), or None to leave it."""
    if value is None:
        return None
    if value == "none":
        return 0
    try:
        return int(value)
    except ValueError as error:
        raise typer.BadParameter("an id, or `none`", param_hint=hint) from error


async def station_rows(kind: StationKind | None, district: str | None) -> list[Station]:
    """The stations asked for: one statement, and one more to read a district's code."""
    from services.stations import StationFilter, filtered

    found = None if district is None else await district_id(district)
    return await filtered(StationFilter(kind, found)).order_by("id")


@stations.command("list")
def list_stations(
    kind: Annotated[StationKind | None, typer.Option(help="Only this kind.")] = None,
    district: Annotated[str | None, typer.Option(help="Only this district (code).")] = None,
) -> None:
    """Stations: id, kind, district id, community id, organisation id, name."""

    async def read() -> list[Station]:
        return await station_rows(kind, district)

    for s in run_service(read):
        community = s.community_id if s.community_id is not None else "-"
        organization = s.organization_id if s.organization_id is not None else "-"
        console.print(
            f"{s.id}\t{s.kind.value}\t{s.district_id}\t{community}\t{organization}\t{s.name}"
        )


@stations.command("create")
def create_station(
    name: str,
    kind: Annotated[StationKind, typer.Option(help="What kind of station.")],
    district: Annotated[str, typer.Option(help="District code or GB/T 2260 code.")],
    address: Annotated[str, typer.Option(help="Street address.")],
    lat: Annotated[float, typer.Option(help="Latitude.")],
    lng: Annotated[float, typer.Option(help="Longitude.")],
    community: Annotated[int | None, typer.Option(help="Community id (in that district).")] = None,
    organization: Annotated[int | None, typer.Option(help="Operating organisation id.")] = None,
    opening_hours: Annotated[str, typer.Option(help="Opening hours.")] = "",
    service: Services = None,
) -> None:
    """Register a station."""
    from services import stations as service_module
    from services.audit import Actor

    async def create() -> Station:
        data = service_module.NewStation(
            kind=kind,
            name=name,
            address=address,
            lat=lat,
            lng=lng,
            district_id=await district_id(district),
            community_id=community,
            organization_id=organization,
            opening_hours=opening_hours,
            services=list(service or []),
        )
        return await service_module.register_station(Actor.console(), data)

    row = run_service(create)
    console.print(f"created station {row.id} {row.name}")


@stations.command("update")
def update_station(
    station_id: int,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    kind: Annotated[StationKind | None, typer.Option(help="New kind.")] = None,
    district: Annotated[
        str | None, typer.Option(help="District code (leaves the community unless given).")
    ] = None,
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude.")] = None,
    lng: Annotated[float | None, typer.Option(help="Longitude.")] = None,
    community: Annotated[str | None, typer.Option(help="Community id, or `none`.")] = None,
    organization: Annotated[str | None, typer.Option(help="Organisation id, or `none`.")] = None,
    opening_hours: OpeningHours = None,
    service: Annotated[
        list[ServiceCategory] | None,
        typer.Option("--service", help="Replaces the services offered; repeat."),
    ] = None,
) -> None:
    """Change a station; what is not given stays."""
    from services.audit import Actor
    from services.stations.updates import StationChange, change_station

    community_id = _clearable(community, "--community")
    organization_id = _clearable(organization, "--organization")

    async def update() -> Station:
        change = StationChange(
            kind=kind,
            name=name,
            address=address,
            lat=lat,
            lng=lng,
            district_id=None if district is None else await district_id(district),
            community_id=community_id,
            organization_id=organization_id,
            opening_hours=opening_hours,
            services=service,
        )
        return await change_station(Actor.console(), station_id, change)

    row = run_service(update)
    console.print(f"updated station {row.id} {row.name} ({row.kind.value})")
