"""The number of SQL statements of a query does not grow with the rows it returns."""

from __future__ import annotations

from decimal import Decimal

from models.accounts import Role
from models.organizations import Membership, MembershipStatus, Organization, OrganizationCategory
from models.volunteers import Volunteer
from schema.core.context import Context
from schema.geography.loaders import DISTRICT
from schema.volunteers.loaders import ORGANIZATIONS_OF_VOLUNTEER, VOLUNTEER
from services.common.identity import id_number_hash
from tests.support import SCHEMA, count_statements, data_of, huicheng, make_user, new_id_number

VOLUNTEER_PAGE = """
query Page($first: Int!) {
  volunteers(first: $first) {
    totalCount
    edges { node {
      realName phone idNumber homeLocation { lat } starLevel
      district { name communities { name } } community { name }
      organizations(first: 5) { totalCount nodes { name memberCount district { name } } }
    } }
  }
}"""
ORGANIZATION_PAGE = """
query Page($first: Int!) {
  organizations(first: $first) {
    totalCount
    nodes {
      name memberCount district { name } applications(first: 5) { totalCount nodes { id } }
      members(first: 5) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes {
          role organization { name }
          volunteer {
            realName organizations(first: 3) { nodes { name } }
            memberships(first: 3) { totalCount nodes { status } }
          }
        }
      }
    }
  }
}"""


async def _population(volunteers: int, organizations: int) -> None:
    from datetime import UTC, datetime

    district = await huicheng()
    await Organization.bulk_create(
        [
            Organization(name=f"队{i}", category=OrganizationCategory.CULTURE, district=district)
            for i in range(organizations)
        ]
    )
    rows = []
    for i in range(volunteers):
        number = new_id_number()
        rows.append(
            Volunteer(
                real_name=f"志愿者{i}",
                phone="13800138000",
                id_number=number,
                id_number_hash=id_number_hash(number),
                district=district,
                registered_at=datetime.now(UTC),
                total_hours=Decimal(i),
            )
        )
    await Volunteer.bulk_create(rows)
    org_ids = [o.id for o in await Organization.all()]
    vol_ids = [v.id for v in await Volunteer.all()]
    await Membership.bulk_create(
        [
            Membership(
                volunteer_id=v,
                organization_id=org_ids[(i + k) % len(org_ids)],
                status=MembershipStatus.APPROVED,
            )
            for i, v in enumerate(vol_ids)
            for k in range(2)
        ]
    )


async def _statements(document: str, first: int, role: Role) -> int:
    _, principal = await make_user(f"reader{first}", role)
    with count_statements() as counter:
        data = await data_of(document, {"first": first}, principal)
    assert data
    return len(counter.statements)


async def test_a_volunteer_page_of_100_costs_the_same_statements_as_a_page_of_1() -> None:
    await _population(volunteers=120, organizations=30)
    one = await _statements(VOLUNTEER_PAGE, 1, Role.ORG_ADMIN)
    hundred = await _statements(VOLUNTEER_PAGE, 100, Role.ORG_ADMIN)
    assert hundred == one
    assert 3 <= one <= 10


async def test_an_organisation_page_of_100_costs_the_same_statements_as_a_page_of_1() -> None:
    await _population(volunteers=200, organizations=110)
    one = await _statements(ORGANIZATION_PAGE, 1, Role.ADMIN)
    hundred = await _statements(ORGANIZATION_PAGE, 100, Role.ADMIN)
    assert hundred == one
    assert 3 <= one <= 10


async def test_a_request_that_needs_no_loader_creates_none() -> None:
    # given a request's context, as the server builds one
    context = Context()

    # when it asks for nothing that a loader reads
    result = await SCHEMA.execute("{ __typename }", context_value=context)

    # then it was answered without creating a single DataLoader
    assert result.errors is None
    assert context.loaders.created() == []


async def test_one_loader_serves_every_resolver_of_a_request_and_only_that_request() -> None:
    # given volunteers of one district, each in organisations of that district
    await _population(volunteers=5, organizations=2)
    _, principal = await make_user("reader", Role.ORG_ADMIN)
    context = Context(principal=principal)

    # when a page asks for the district of each volunteer, and then of each of their
    # organisations (resolved after the organisations are loaded, so in a later batch)
    with count_statements() as counter:
        result = await SCHEMA.execute(
            VOLUNTEER_PAGE, variable_values={"first": 5}, context_value=context
        )

    # then each loader the page needed was created once, and only those
    assert result.errors is None
    created = context.loaders.created()
    assert len(created) == len(set(created))
    assert {DISTRICT, ORGANIZATIONS_OF_VOLUNTEER} <= set(created)
    assert VOLUNTEER not in created
    # and the district was read once: the later batch found it cached in the same loader
    reads = [s for s in counter.statements if 'FROM "district"' in s]
    assert len(reads) == 1, reads
    # and another request starts with nothing cached
    assert Context().loaders.get(DISTRICT) is not context.loaders.get(DISTRICT)
