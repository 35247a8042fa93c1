"""`volunteer-city admin ...`: what a city edits, at the console. Each command calls the same
service as its GraphQL mutation, with the same checks and coded errors, and the change is in
the audit log as made by `cli:<login>` (whoever can run commands on the server administers the
city)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.admin_console import console, district_id, district_ids, point, run_service
from api.admin_rewards import insurance, providers
from api.admin_stations import stations
from models.civic import CivicCategory
from models.dispatch import CenterLevel, DispatchCenter
from models.geography import Community, District
from models.organizations import Organization
from models.rewards import Benefit
from services.civic.catalogue import CategoryChange
from services.dispatch.centers import KEEP, Keep
from services.geography.divisions import DivisionChange, Point

admin = typer.Typer(
    help="Edit the city's reference data; every change is audited.", no_args_is_help=True
)
centers = typer.Typer(help="Dispatch centres.", no_args_is_help=True)
admin.add_typer(centers, name="center")
districts = typer.Typer(help="Districts.", no_args_is_help=True)
admin.add_typer(districts, name="district")
communities = typer.Typer(help="Communities and streets.", no_args_is_help=True)
admin.add_typer(communities, name="community")
civic_categories = typer.Typer(help="Civic-issue categories and departments.", no_args_is_help=True)
admin.add_typer(civic_categories, name="civic-category")
organizations = typer.Typer(help="Organisation verification.", no_args_is_help=True)
admin.add_typer(organizations, name="organization")
benefits = typer.Typer(help="Benefits of the scheme: stock and availability.", no_args_is_help=True)
admin.add_typer(benefits, name="benefit")
admin.add_typer(providers, name="benefit-provider")
admin.add_typer(stations, name="station")
admin.add_typer(insurance, name="insurance")


def _parent(value: str | None) -> int | Keep | None:
    if value is None:
        return KEEP
    if value == "none":
        return None
    try:
        return int(value)
    except ValueError as error:
        raise typer.BadParameter("a centre id, or `none`", param_hint="--parent") from error


@centers.command("list")
def list_centers() -> None:
    """Every centre: id, level, parent, auto-assign, escalation minutes, name."""

    async def read() -> list[DispatchCenter]:
        return await DispatchCenter.all().order_by("id")

    for c in run_service(read):
        parent = c.parent_id if c.parent_id is not None else "-"
        auto = "auto" if c.auto_assign else "manual"
        console.print(
            f"{c.id}\t{c.level.value}\t{parent}\t{auto}\t{c.escalate_after_minutes} min\t{c.name}"
        )


@centers.command("update")
def update_center(
    center_id: int,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    level: Annotated[CenterLevel | None, typer.Option(help="New level.")] = None,
    parent: Annotated[str | None, typer.Option(help="Parent centre id, or `none`.")] = None,
    auto_assign: Annotated[
        bool | None, typer.Option("--auto-assign/--no-auto-assign", help="Assign by itself.")
    ] = None,
    escalate_after: Annotated[
        int | None, typer.Option(help="Minutes unassigned before escalating.")
    ] = None,
    district: Annotated[
        list[str] | None, typer.Option(help="Replaces the coverage: district code; repeat.")
    ] = None,
    community: Annotated[
        list[int] | None, typer.Option(help="Replaces the single communities (ids); repeat.")
    ] = None,
) -> None:
    """Change a dispatch centre; what is not given stays."""
    from services.audit import Actor
    from services.dispatch import centers as service

    parent_id = _parent(parent)

    async def update() -> DispatchCenter:
        change = service.CenterChange(
            name=name,
            level=level,
            parent_id=parent_id,
            auto_assign=auto_assign,
            escalate_after_minutes=escalate_after,
            districts=await district_ids(district),
            communities=community,
        )
        return await service.update_center(Actor.console(), center_id, change)

    center = run_service(update)
    auto = "on" if center.auto_assign else "off"
    console.print(
        f"updated centre {center.id} {center.name}: {center.level.value}, auto-assign {auto}, "
        f"escalates after {center.escalate_after_minutes} min"
    )


Population = Annotated[int | None, typer.Option(help="Resident population.")]
Lat = Annotated[float | None, typer.Option(help="Centre latitude (with --lng).")]
Lng = Annotated[float | None, typer.Option(help="Centre longitude (with --lat).")]
Name = Annotated[str | None, typer.Option(help="New name.")]
DivisionCode = Annotated[str | None, typer.Option(help="Division code; empty to clear.")]


@districts.command("update")
def update_district(
    code: Annotated[str, typer.Argument(help="District code (HUICHENG) or GB/T 2260 code.")],
    name: Name = None,
    name_en: Annotated[str | None, typer.Option(help="New English name.")] = None,
    division_code: DivisionCode = None,
    population: Population = None,
    lat: Lat = None,
    lng: Lng = None,
) -> None:
    """Change a district's names, code, population or seat."""
    from services.audit import Actor
    from services.geography import divisions

    change = DivisionChange(name, name_en, division_code, population, point(lat, lng))

    async def update() -> District:
        found = await district_id(code)
        return await divisions.update_district(Actor.console(), found, change)

    row = run_service(update)
    console.print(f"updated district {row.code} {row.name}: population {row.population:,}")


@communities.command("create")
def create_community(
    district: Annotated[str, typer.Argument(help="District code or GB/T 2260 code.")],
    name: Annotated[str, typer.Argument(help="The community's name.")],
    population: Annotated[int, typer.Option(help="Resident population.")],
    lat: Annotated[float, typer.Option(help="Centre latitude.")],
    lng: Annotated[float, typer.Option(help="Centre longitude.")],
    division_code: DivisionCode = None,
) -> None:
    """Add a community or street to a district."""
    from services.audit import Actor
    from services.geography import divisions

    change = DivisionChange(name, None, division_code, population, Point(lat, lng))

    async def create() -> Community:
        found = await district_id(district)
        return await divisions.create_community(Actor.console(), found, change)

    row = run_service(create)
    console.print(f"created community {row.id} {row.name}")


@communities.command("update")
def update_community(
    community_id: int,
    name: Name = None,
    division_code: DivisionCode = None,
    population: Population = None,
    lat: Lat = None,
    lng: Lng = None,
) -> None:
    """Change a community's name, code, population or centre."""
    from services.audit import Actor
    from services.geography import divisions

    change = DivisionChange(name, None, division_code, population, point(lat, lng))

    async def update() -> Community:
        return await divisions.update_community(Actor.console(), community_id, change)

    row = run_service(update)
    console.print(f"updated community {row.id} {row.name}: population {row.population:,}")


async def _category_id(code: str) -> int:
    found = await CivicCategory.get_or_none(code=code)
    return found.id if found else 0


@civic_categories.command("list")
def list_civic_categories() -> None:
    """Every category: code, active, deadline hours, department, name."""

    async def read() -> list[CivicCategory]:
        return await CivicCategory.all()

    for c in run_service(read):
        state = "active" if c.active else "withdrawn"
        console.print(f"{c.code}\t{state}\t{c.deadline_hours} h\t{c.department}\t{c.name_zh}")


@civic_categories.command("create")
def create_civic_category(
    code: str,
    name_zh: Annotated[str, typer.Option(help="Chinese name.")],
    name_en: Annotated[str, typer.Option(help="English name.")],
    department: Annotated[str, typer.Option(help="The department that rectifies it.")],
    deadline_hours: Annotated[int, typer.Option(help="Hours to rectify once filed.")],
    group: Annotated[str, typer.Option(help="Heading it is listed under.")] = "",
    description: Annotated[str, typer.Option(help="What belongs here.")] = "",
) -> None:
    """Add a civic-issue category."""
    from services.audit import Actor
    from services.civic import catalogue

    change = CategoryChange(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        description=description,
        group=group,
        department=department,
        deadline_hours=deadline_hours,
    )

    async def create() -> CivicCategory:
        return await catalogue.create_category(Actor.console(), change)

    row = run_service(create)
    console.print(f"created civic category {row.code} (id {row.id})")


@civic_categories.command("update")
def update_civic_category(
    code: str,
    department: Annotated[str | None, typer.Option(help="The answering department.")] = None,
    deadline_hours: Annotated[int | None, typer.Option(help="Hours to rectify.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--withdrawn", help="Can be reported.")
    ] = None,
    name_zh: Annotated[str | None, typer.Option(help="Chinese name.")] = None,
    name_en: Annotated[str | None, typer.Option(help="English name.")] = None,
) -> None:
    """Change a category (by its code): department, deadline, names, or withdraw it."""
    from services.audit import Actor
    from services.civic import catalogue

    change = CategoryChange(
        name_zh=name_zh,
        name_en=name_en,
        department=department,
        deadline_hours=deadline_hours,
        active=active,
    )

    async def update() -> CivicCategory:
        return await catalogue.update_category(Actor.console(), await _category_id(code), change)

    row = run_service(update)
    state = "active" if row.active else "withdrawn"
    console.print(
        f"updated civic category {row.code}: {row.department}, {row.deadline_hours} h, {state}"
    )


def _verify(organization_id: int, verified: bool, reason: str) -> None:
    from services import organizations as service
    from services.audit import Actor

    async def verify() -> Organization:
        return await service.verify(Actor.console(), organization_id, verified, reason)

    row = run_service(verify)
    state = "verified" if row.verified else "not verified"
    console.print(f"organisation {row.id} {row.name}: {state}")


@organizations.command("verify")
def verify_organization(
    organization_id: int,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
) -> None:
    """Verify an organisation."""
    _verify(organization_id, True, reason)


@organizations.command("unverify")
def unverify_organization(
    organization_id: int,
    reason: Annotated[str, typer.Option(help="Why the verification ends (required).")] = "",
) -> None:
    """Withdraw an organisation's verification, with a reason."""
    _verify(organization_id, False, reason)


@benefits.command("list")
def list_benefits() -> None:
    """Every benefit: code, active, redeemed of stock, name."""

    async def read() -> list[Benefit]:
        return await Benefit.all().order_by("id")

    for b in run_service(read):
        state = "active" if b.active else "withdrawn"
        stock = "unlimited" if b.stock is None else str(b.stock)
        console.print(f"{b.code}\t{state}\t{b.redeemed}/{stock}\t{b.name}")


@benefits.command("update")
def update_benefit(
    code: str,
    stock: Annotated[int | None, typer.Option(help="New stock (not below redeemed).")] = None,
    per_volunteer_limit: Annotated[
        int | None, typer.Option(help="How many one volunteer may have.")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--withdrawn", help="Can be redeemed.")
    ] = None,
) -> None:
    """Change a benefit (by its code): stock, per-volunteer limit, or withdraw it."""
    from services.audit import Actor
    from services.rewards import catalogue

    given = {"stock": stock, "per_volunteer_limit": per_volunteer_limit, "active": active}
    changes = {key: value for key, value in given.items() if value is not None}

    async def update() -> Benefit:
        found = await Benefit.get_or_none(code=code.strip().upper())
        return await catalogue.change_benefit(Actor.console(), found.id if found else 0, changes)

    row = run_service(update)
    state = "active" if row.active else "withdrawn"
    stock_shown = "unlimited" if row.stock is None else str(row.stock)
    console.print(f"updated benefit {row.code}: {state}, {row.redeemed}/{stock_shown} redeemed")
