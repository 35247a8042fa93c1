"""The benchmark cases. Each returns table rows: a case, its baseline, and their ratio."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import strawberry
from rich.console import Console
from rich.table import Table
from strawberry import relay
from tortoise import connections
from tortoise.transactions import in_transaction

import demo as demo_data
from bench.measure import WARMUP, Work, compare, statements_of
from models.accounts import User
from models.geography import Community, District
from models.organizations import Organization
from models.volunteers import Gender, Volunteer, VolunteerStatus
from schema.core.context import Context
from schema.limits.validation import DocumentValidator, QueryLimitsExtension
from services.accounts import principal_for
from services.common.principal import Principal
from services.geography import ensure_reference_data

PAGE = """
query Page($first: Int!, $filter: VolunteerFilter) {
  volunteers(first: $first, filter: $filter) {
    edges { node { realName phone starLevel district { name }
                   organizations(first: 10) { edges { node { name } } } } }
    totalCount
  }
}
"""
ORGANIZATIONS = """
query Organizations($first: Int!) {
  organizations(first: $first) {
    edges { node { name category memberCount district { name } } }
    totalCount
  }
}
"""
TRIVIAL = "query Trivial { __typename }"


@dataclass(frozen=True)
class Row:
    group: str
    case: str
    baseline: str
    case_figure: str
    baseline_figure: str
    ratio: float
    note: str = ""


def print_rows(console: Console, rows: list[Row]) -> None:
    table = Table(title="Ratios against a baseline measured in the same run (median of rounds)")
    table.add_column("benchmark")
    table.add_column("case")
    table.add_column("baseline")
    table.add_column("case", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("ratio", justify="right", style="bold")
    table.add_column("note")
    for row in rows:
        table.add_row(
            row.group,
            row.case,
            row.baseline,
            row.case_figure,
            row.baseline_figure,
            f"{row.ratio:.2f}x",
            row.note,
        )
    console.print(table)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def dispatcher() -> Principal:
    """The seeded demo dispatcher: sees personal data, so nothing is short-cut by masking."""
    return principal_for(await User.get(username="dispatcher"))


async def _execute(
    schema: strawberry.Schema, document: str, variables: dict[str, Any], principal: Principal
) -> Any:
    # A new context per request, as the server does: fresh DataLoaders every time.
    result = await schema.execute(
        document, variable_values=variables, context_value=Context(principal=principal)
    )
    if result.errors:
        raise RuntimeError(f"benchmark query failed: {result.errors}")
    return result.data


async def page_size(schema: strawberry.Schema, principal: Principal, rounds: int) -> list[Row]:
    """DataLoaders at work: a 100-row page must cost the same statements as a 1-row page."""
    rows = []
    for label, document in (("volunteers", PAGE), ("organizations", ORGANIZATIONS)):

        def page(first: int, document: str = document) -> Any:
            return lambda: _execute(schema, document, {"first": first}, principal)

        big, small = await statements_of(page(100)), await statements_of(page(1))
        result = await compare(page(100), page(1), rounds)
        rows.append(
            Row(
                "page size",
                f"{label}(first: 100)",
                f"{label}(first: 1)",
                ms(result.case_seconds),
                ms(result.baseline_seconds),
                result.ratio,
                f"SQL statements {big} vs {small}: " + ("equal" if big == small else "DIFFER"),
            )
        )
    return rows


async def _filter_values() -> dict[str, dict[str, Any]]:
    district = await District.get(code="HUICHENG")
    community = await Community.filter(district_id=district.id).order_by("id").first()
    assert community is not None
    # A typical organisation: the one in the middle of the list.
    organization = (
        await Organization.all()
        .order_by("id")
        .offset(await Organization.all().count() // 2)
        .first()
    )
    assert organization is not None
    return {
        "district": {"district": str(relay.GlobalID("District", str(district.id)))},
        "community": {"community": str(relay.GlobalID("Community", str(community.id)))},
        "skill": {"skill": "SIGN_LANGUAGE"},
        "starLevelAtLeast: 1": {"starLevelAtLeast": 1},
        "starLevelAtLeast: 3": {"starLevelAtLeast": 3},
        "organization": {"organization": str(relay.GlobalID("Organization", str(organization.id)))},
        "search (surname)": {"search": "陈"},
        "search (full name)": {"search": "陈伟"},
    }


async def filters(schema: strawberry.Schema, principal: Principal, rounds: int) -> list[Row]:
    """Each filter's 100-row page (with totalCount) against the unfiltered page: a filter that
    needs an index it lacks shows up as a large ratio that grows with the table."""

    def page(variables: dict[str, Any] | None) -> Any:
        return lambda: _execute(schema, PAGE, {"first": 100, "filter": variables}, principal)

    rows = []
    for label, variables in (await _filter_values()).items():
        data = await page(variables)()
        total = data["volunteers"]["totalCount"]
        statements = await statements_of(page(variables))
        result = await compare(page(variables), page(None), rounds)
        rows.append(
            Row(
                "filter",
                f"volunteers(filter: {{{label}}})",
                "no filter",
                ms(result.case_seconds),
                ms(result.baseline_seconds),
                result.ratio,
                f"{total:,} match; {statements} SQL statements",
            )
        )
    return rows


def without_caches(cached: strawberry.Schema) -> strawberry.Schema:
    """The same schema and extensions, with the parse and validation of every request done
    afresh (a validator that keeps nothing). A shallow copy: strawberry resolves the extension
    factories per request from `extensions`, and the types cannot be converted a second time in
    one process (relay's node field is applied once)."""
    uncached_validator = DocumentValidator(_validator(cached).limits, cache_size=0)
    uncached = copy.copy(cached)
    uncached.extensions = [
        (lambda: QueryLimitsExtension(uncached_validator))
        if isinstance(factory(), QueryLimitsExtension)
        else factory
        for factory in cached.extensions
    ]
    return uncached


async def caches(cached: strawberry.Schema, principal: Principal, rounds: int) -> list[Row]:
    """What the parser and validation caches save per request, for documents from trivial to
    the typical page. The hit count shows whether the validation cache is hit at all."""
    uncached = without_caches(cached)

    def run(schema: strawberry.Schema, document: str, variables: dict[str, Any]) -> Work:
        return lambda: _execute(schema, document, variables, principal)

    cases: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("{ __typename }", TRIVIAL, {}),
        ("volunteers(first: 1)", PAGE, {"first": 1}),
        ("volunteers(first: 100)", PAGE, {"first": 100}),
    )
    requests = rounds + WARMUP
    rows = []
    for label, document, variables in cases:
        before = _validator(cached).hits
        result = await compare(
            run(uncached, document, variables), run(cached, document, variables), rounds
        )
        rows.append(
            Row(
                "parser/validation cache",
                f"{label}, no caches",
                "with caches (as built)",
                ms(result.case_seconds),
                ms(result.baseline_seconds),
                result.ratio,
                f"cost without / with; validation cache hits {_hits(cached, before, requests)}",
            )
        )
    return rows


def _hits(schema: strawberry.Schema, before: int, requests: int) -> str:
    return f"{_validator(schema).hits - before}/{requests}"


def _validator(schema: strawberry.Schema) -> DocumentValidator:
    """The parse and validation cache of a schema built by build_schema (one per schema)."""
    for factory in schema.extensions:
        extension = factory()
        if isinstance(extension, QueryLimitsExtension):
            return extension.validator
    raise LookupError("no QueryLimitsExtension in the schema")


async def _clear_volunteers() -> None:
    await connections.get("default").execute_script("DELETE FROM volunteer")


def _model(row: list[Any]) -> Volunteer:
    values = dict(zip(demo_data.VOLUNTEER_COLUMNS, row, strict=True))
    values["gender"] = Gender(values["gender"])
    values["status"] = VolunteerStatus(values["status"])
    return Volunteer(**values)


async def seed_throughput(sample: int, rounds: int = 3) -> list[Row]:
    """Rows/s of the seed's insert path (plain tuples through executemany) against Tortoise's
    bulk_create of the same rows (a model object per row), and against generation alone."""
    await ensure_reference_data()
    factory = await demo_data.VolunteerFactory.from_database()
    chunk = demo_data.BATCH

    def generate() -> list[list[Any]]:
        return factory.rows(0, sample)

    async def executemany() -> None:
        rows = generate()
        for start in range(0, len(rows), chunk):
            await demo_data.insert_volunteers(rows[start : start + chunk])

    async def bulk_create() -> None:
        rows = generate()
        for start in range(0, len(rows), chunk):
            async with in_transaction():
                await Volunteer.bulk_create([_model(r) for r in rows[start : start + chunk]])

    timings: dict[str, list[float]] = {"generate": [], "executemany": [], "bulk_create": []}
    for index in range(rounds):
        started = time.perf_counter()
        generate()
        timings["generate"].append(time.perf_counter() - started)
        order = (executemany, bulk_create) if index % 2 == 0 else (bulk_create, executemany)
        for work in order:
            started = time.perf_counter()
            await work()
            timings[work.__name__].append(time.perf_counter() - started)
            await _clear_volunteers()
    rate = {name: sample / sorted(values)[len(values) // 2] for name, values in timings.items()}
    return [
        Row(
            "seed throughput",
            f"generate + executemany ({sample:,} rows)",
            "generate + bulk_create",
            f"{rate['executemany']:,.0f} rows/s",
            f"{rate['bulk_create']:,.0f} rows/s",
            rate["executemany"] / rate["bulk_create"],
            "rows/s ratio: higher is better",
        ),
        Row(
            "seed throughput",
            "generate + executemany",
            "generate only (no database)",
            f"{rate['executemany']:,.0f} rows/s",
            f"{rate['generate']:,.0f} rows/s",
            rate["executemany"] / rate["generate"],
            "share of the seed's speed the database leaves",
        ),
    ]


STATISTICS = """
query Statistics($district: ID) {
  cityStatistics(district: $district) {
    registeredVolunteers volunteerShare growthRate participationRate hoursPerVolunteer
    satisfactionRate ordersByStatus { status count }
    organizationsByCategory { category count } stationsByKind { kind count }
  }
}
"""
COUNT = "query Count { volunteers(first: 1) { totalCount } }"


async def city_statistics(
    schema: strawberry.Schema, principal: Principal, rounds: int
) -> list[Row]:
    """cityStatistics (a handful of aggregates over every volunteer, record and order of the
    year) against counting the volunteer registry once: how many such counts it costs."""
    district = await District.get(code="HUICHENG")
    baseline = lambda: _execute(schema, COUNT, {}, principal)  # noqa: E731
    rows = []
    for label, variables in (
        ("whole city", {}),
        ("district: 惠城区", {"district": str(relay.GlobalID("District", str(district.id)))}),
    ):

        def case(variables: dict[str, Any] = variables) -> Any:
            return _execute(schema, STATISTICS, variables, principal)

        figures = (await case())["cityStatistics"]
        statements = await statements_of(case)
        result = await compare(case, baseline, rounds)
        rows.append(
            Row(
                "statistics",
                f"cityStatistics({label})",
                "volunteers(first: 1) { totalCount }",
                ms(result.case_seconds),
                ms(result.baseline_seconds),
                result.ratio,
                f"{figures['registeredVolunteers']:,} volunteers, participation "
                f"{figures['participationRate']:.0%}, "
                f"{float(figures['hoursPerVolunteer']):.1f} h each; "
                f"{statements} SQL statements",
            )
        )
    return rows
