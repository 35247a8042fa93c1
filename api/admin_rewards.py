"""`volunteer-city admin benefit-provider ...` and `admin insurance ...`: the scheme's providers,
their provider accounts and the city's accident-insurance policies, at the console. Each
command calls the service behind its GraphQL mutation; the change is audited as `cli:<login>`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from api.admin_console import console, district_id, run_service
from models.rewards import BenefitProvider, InsurancePolicy, ProviderKind

providers = typer.Typer(help="Benefit providers and their provider accounts.", no_args_is_help=True)
insurance = typer.Typer(help="Accident-insurance policies.", no_args_is_help=True)

Address = Annotated[str | None, typer.Option(help="Street address.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Contact phone.")]


async def _user_id(username: str) -> int:
    """An account by its username; an unknown one goes to the service as id 0, which it
    refuses with USER_NOT_FOUND."""
    from models.accounts import User

    found = await User.get_or_none(username=username)
    return found.id if found else 0


async def provider_rows() -> tuple[list[BenefitProvider], dict[int, list[int]]]:
    """Every provider and its accounts' user ids: two statements however many there are."""
    from models.rewards import ProviderStaff

    rows = await BenefitProvider.all().order_by("id")
    links = await ProviderStaff.all().order_by("user_id").values_list("provider_id", "user_id")
    staff: dict[int, list[int]] = {}
    for provider_id, user_id in links:
        staff.setdefault(int(provider_id), []).append(int(user_id))
    return rows, staff


@providers.command("list")
def list_providers() -> None:
    """Every provider: id, kind, district id, provider accounts (user ids), name."""
    rows, staff = run_service(provider_rows)
    for p in rows:
        district = p.district_id if p.district_id is not None else "-"
        accounts = ",".join(str(u) for u in staff.get(p.id, [])) or "-"
        console.print(f"{p.id}\t{p.kind.value}\t{district}\t{accounts}\t{p.name}")


@providers.command("create")
def create_provider(
    name: str,
    kind: Annotated[ProviderKind, typer.Option(help="What kind of body it is.")],
    district: Annotated[str | None, typer.Option(help="District code or GB/T 2260 code.")] = None,
    address: Annotated[str, typer.Option(help="Street address.")] = "",
    phone: Annotated[str, typer.Option(help="Contact phone.")] = "",
) -> None:
    """Add a benefit provider."""
    from services.audit import Actor
    from services.rewards import providers as service

    async def create() -> BenefitProvider:
        found = None if district is None else await district_id(district)
        data = service.NewProvider(name, kind, found, address, phone)
        return await service.add_provider(Actor.console(), data)

    row = run_service(create)
    console.print(f"created benefit provider {row.id} {row.name}")


@providers.command("update")
def update_provider(
    provider_id: int,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    kind: Annotated[ProviderKind | None, typer.Option(help="New kind.")] = None,
    district: Annotated[
        str | None, typer.Option(help="District code or GB/T 2260 code, or `none`.")
    ] = None,
    address: Address = None,
    phone: Phone = None,
) -> None:
    """Change a provider; what is not given stays."""
    from services.audit import Actor
    from services.rewards import providers as service

    async def update() -> BenefitProvider:
        # The service reads district 0 as "clear it"; an unknown code must stay an error.
        found = None
        if district is not None:
            found = 0 if district == "none" else (await district_id(district) or -1)
        change = service.ProviderChange(name, kind, found, address, phone)
        return await service.change_provider(Actor.console(), provider_id, change)

    row = run_service(update)
    console.print(f"updated benefit provider {row.id} {row.name} ({row.kind.value})")


@providers.command("add-staff")
def add_staff(
    provider_id: int, username: Annotated[str, typer.Argument(help="The account's username.")]
) -> None:
    """Make an account a provider account: it verifies this provider's redemptions."""
    from services.audit import Actor
    from services.rewards import providers as service

    async def add() -> BenefitProvider:
        return await service.link_staff(Actor.console(), provider_id, await _user_id(username))

    row = run_service(add)
    console.print(f"{username} is a provider account of {row.id} {row.name}")


@providers.command("remove-staff")
def remove_staff(
    provider_id: int, username: Annotated[str, typer.Argument(help="The account's username.")]
) -> None:
    """Remove a provider account; it loses redemption checks at once."""
    from services.audit import Actor
    from services.rewards import providers as service

    async def remove() -> BenefitProvider:
        return await service.unlink_staff(Actor.console(), provider_id, await _user_id(username))

    row = run_service(remove)
    console.print(f"{username} is no provider account of {row.id} {row.name}")


def _day(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter("a date as YYYY-MM-DD", param_hint=hint) from error


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise typer.BadParameter("an amount in yuan, e.g. 100000.00", param_hint="--sum") from error


async def policy_rows() -> list[tuple[InsurancePolicy, int]]:
    """Every policy and how many volunteers it covers: two statements however many."""
    from services.rewards.lookups import covered_counts

    rows = await InsurancePolicy.all().order_by("id")
    return list(zip(rows, await covered_counts([p.id for p in rows]), strict=True))


@insurance.command("list")
def list_policies() -> None:
    """Every policy: id, number, period, volunteers covered, sum insured, insurer."""
    for p, covered in run_service(policy_rows):
        amount = "-" if p.sum_insured is None else f"{p.sum_insured} yuan"
        console.print(
            f"{p.id}\t{p.policy_number}\t{p.starts_on}..{p.ends_on}\t{covered} covered"
            f"\t{amount}\t{p.insurer}"
        )


@insurance.command("record")
def record_policy(
    policy_number: str,
    insurer: Annotated[str, typer.Option(help="The insurer.")],
    coverage: Annotated[str, typer.Option(help="What it covers.")],
    starts_on: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    ends_on: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    sum_insured: Annotated[str | None, typer.Option("--sum", help="Sum insured, yuan.")] = None,
) -> None:
    """Record a policy the city bought; volunteers are covered under it through the API."""
    from services.audit import Actor
    from services.rewards import cover

    first, last = _day(starts_on, "--from"), _day(ends_on, "--to")
    assert first is not None and last is not None
    data = cover.NewPolicy(policy_number, insurer, coverage, first, last, _amount(sum_insured))

    async def record() -> InsurancePolicy:
        return await cover.enter_policy(Actor.console(), data)

    row = run_service(record)
    console.print(f"recorded policy {row.id} {row.policy_number}: {row.starts_on}..{row.ends_on}")


@insurance.command("update")
def update_policy(
    policy_id: int,
    insurer: Annotated[str | None, typer.Option(help="The insurer.")] = None,
    coverage: Annotated[str | None, typer.Option(help="What it covers.")] = None,
    starts_on: Annotated[str | None, typer.Option("--from", help="First day.")] = None,
    ends_on: Annotated[str | None, typer.Option("--to", help="Last day.")] = None,
    sum_insured: Annotated[str | None, typer.Option("--sum", help="Sum insured, yuan.")] = None,
) -> None:
    """Correct a policy (its number never changes); its period may not leave out a cover."""
    from services.audit import Actor
    from services.rewards import cover

    change = cover.PolicyChange(
        insurer, coverage, _amount(sum_insured), _day(starts_on, "--from"), _day(ends_on, "--to")
    )

    async def update() -> InsurancePolicy:
        return await cover.correct_policy(Actor.console(), policy_id, change)

    row = run_service(update)
    console.print(f"updated policy {row.id} {row.policy_number}: {row.starts_on}..{row.ends_on}")
