"""A wall screen's credential reads what the wall page shows and nothing else, on every path
(HTTP documents, subscriptions in process and over the WebSocket view, `node`), calls no
mutation but signing in, and its account never gains another role."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, parse
from strawberry import relay

from api.graphql import GraphQLApp
from models.accounts import Role, User
from models.dispatch import ServiceOrder
from models.geography import District
from models.organizations import Organization, OrganizationCategory
from models.volunteers import Volunteer
from schema.core.context import Context
from schema.core.permissions import closed_to_wall, is_open_to_wall
from services import accounts, organizations, volunteers
from services.common.errors import NotPermitted
from services.common.principal import Principal
from services.dispatch import assignments
from subscriptions.hub import EventHub
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG, huicheng_order, make_centers, people
from tests.fanout.test_websocket_frames import connect, token_of
from tests.support import SCHEMA, data_of, error_codes, gql, huicheng, make_user, new_id_number

PAGE = (Path(__file__).parents[2] / "api/static/wall/wall.js").read_text()


def page_document(name: str) -> str:
    """One of the documents the wall page sends, as it sends it."""
    found = re.search(rf"const {name} = `(.*?)`;", PAGE, re.S)
    assert found is not None, name
    return found.group(1)


SNAPSHOT, FEED, EXCHANGE = (page_document(n) for n in ("SNAPSHOT", "FEED", "EXCHANGE"))
ORDER_UPDATED = """subscription ($order: ID!) {
  orderUpdated(order: $order) { type order { address } }
}"""
FEED_WITH_ADDRESS = """subscription ($center: ID!) {
  dispatchFeed(dispatchCenter: $center) { ... on DispatchEvent { order { id address } } }
}"""
# What an order says that the wall never shows: the fixture's address and description.
PRIVATE = ("文昌一路", "elderly neighbour")


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def wall_screen() -> tuple[User, Principal]:
    return await make_user("wall1", Role.WALL_DISPLAY)


async def organization_to_join() -> tuple[District, Organization]:
    """Huicheng, and an organisation there that an administrator founded."""
    district = await huicheng()
    _, admin = await make_user("admin1", Role.ADMIN)
    organization = await organizations.create(
        admin,
        organizations.NewOrganization("惠城义工联", OrganizationCategory.COMMUNITY, district.id),
    )
    return district, organization


async def test_the_wall_pages_own_documents_pass() -> None:
    # given a centre with an open order, and its wall screen
    centers = await make_centers()
    who = await people()
    await huicheng_order(who["resident"])
    _, screen = await wall_screen()

    # when the screen reads the snapshot and exchanges a credential, as the page does
    snapshot = await data_of(
        SNAPSHOT, {"center": gid("DispatchCenter", centers["district"].id)}, screen
    )
    exchange = await data_of(EXCHANGE, {"credential": "not-a-token"}, screen)

    # then both answer, with the order's point rounded and nothing private in them
    [order] = snapshot["wallSnapshot"]["orders"]
    assert order["location"] == {"lat": round(HUICHENG_LAT, 3), "lng": round(HUICHENG_LNG, 3)}
    assert not any(text in str(snapshot) for text in PRIVATE)
    assert exchange["refreshToken"]["errors"] == [{"code": "INVALID_TOKEN"}]


@pytest.mark.parametrize(
    ("document", "closed"),
    [
        ("{ orders { edges { node { address } } } }", "Query.orders"),
        ("query ($id: ID!) { order(id: $id) { id } }", "Query.order"),
        ("query ($id: ID!) { node(id: $id) { id ... on ServiceOrder { address } } }", "Query.node"),
        ("{ dispatchCenters { id } }", "Query.dispatchCenters"),
        ("{ me { username } }", "Query.me"),
        (
            "query ($c: ID!) { wallSnapshot(dispatchCenter: $c) { center { parent { name } } } }",
            "DispatchCenter.parent",
        ),
        (
            "query ($c: ID!) { wallSnapshot(dispatchCenter: $c) { map { stations { address } } } }",
            "Station.address",
        ),
    ],
)
async def test_a_wall_screen_reads_nothing_the_wall_does_not_show(
    document: str, closed: str
) -> None:
    centers = await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    _, screen = await wall_screen()
    variables = {
        "id": gid("ServiceOrder", order_id),
        "c": gid("DispatchCenter", centers["city"].id),
    }

    result = await gql(
        document, {k: v for k, v in variables.items() if f"${k}" in document}, screen
    )

    assert result.data is None
    assert error_codes(result) == ["NOT_PERMITTED"]
    assert closed in result.errors[0].message  # type: ignore[index]
    # the same document is fine for a dispatcher: the rule is the wall's, not the field's
    assert error_codes(await gql(document, variables, who["dispatcher"])) in ([], ["None"])


MUTATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "submitOrder": (
        'mutation ($d: ID!) { submitOrder(input: {category: ELDERLY_CARE, description: "x", '
        'address: "y", location: {lat: 23.08, lng: 114.38}, district: $d, '
        'windowStart: "2030-01-01T08:00:00Z", windowEnd: "2030-01-01T10:00:00Z"}) '
        "{ errors { code } } }",
        {},
    ),
    "registerVolunteer": (
        'mutation ($d: ID!, $n: String!) { registerVolunteer(input: {realName: "陈志愿", '
        'idNumber: $n, phone: "13800138000", district: $d}) { errors { code } } }',
        {"n": new_id_number()},
    ),
    "createOrganization": (
        'mutation ($d: ID!) { createOrganization(input: {name: "墙", category: COMMUNITY, '
        "district: $d}) { errors { code } } }",
        {},
    ),
    "applyToOrganization": (
        "mutation ($o: ID!) { applyToOrganization(input: {organization: $o}) { errors { code } } }",
        {},
    ),
    "signUp": (
        'mutation { signUp(input: {username: "wall2", password: "correct-horse-9"}) '
        "{ errors { code } } }",
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_a_wall_screen_calls_no_mutation(name: str) -> None:
    # given a wall screen, and an organisation it might join
    district, organization = await organization_to_join()
    user, screen = await wall_screen()
    document, variables = MUTATIONS[name]
    variables = {
        "d": gid("District", district.id),
        "o": gid("Organization", organization.id),
    } | variables
    variables = {k: v for k, v in variables.items() if f"${k}" in document}

    # when it calls the mutation
    result = await gql(document, variables, screen)

    # then it is refused before anything runs, and nothing changed
    assert error_codes(result) == ["NOT_PERMITTED"] and result.data is None
    await user.refresh_from_db()
    assert user.roles == [Role.WALL_DISPLAY.value]
    assert await ServiceOrder.all().count() == 0
    assert await Volunteer.all().count() == 0
    assert await Organization.all().count() == 1
    assert await User.all().count() == 2


async def test_the_wall_opens_only_the_root_fields_the_page_uses() -> None:
    schema = SCHEMA._schema
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    opened = {
        f"{root.name}.{name}"
        for root in roots
        if root is not None
        for name, field in root.fields.items()
        if is_open_to_wall(field)
    }
    assert opened == {
        "Query.wallSnapshot",
        "Subscription.dispatchFeed",
        "Mutation.login",
        "Mutation.refreshToken",
        "Mutation.logout",
    }


async def test_no_field_open_to_the_wall_is_personal_or_free_text() -> None:
    private = {
        "address", "description", "note", "statusNote", "ratingComment", "rating", "requester",
        "reporter", "phone", "idNumber", "realName", "username", "displayName", "contactName",
        "contactPhone", "contactEmail", "homeLocation", "photos", "assignments", "user",
        "refreshToken", "roles", "openingHours",
    }  # fmt: skip
    opened = {
        f"{named.name}.{name}"
        for named in SCHEMA._schema.type_map.values()
        # `Mutation.refreshToken` is the mutation, not a token
        if isinstance(named, GraphQLObjectType) and named is not SCHEMA._schema.mutation_type
        for name, field in named.fields.items()
        if is_open_to_wall(field) and name in private
    }
    assert opened == set()
    # and what is open leads only to types that are open somewhere too
    for named in SCHEMA._schema.type_map.values():
        if isinstance(named, GraphQLObjectType):
            for field in named.fields.values():
                target = get_named_type(field.type)
                if is_open_to_wall(field) and isinstance(target, GraphQLObjectType):
                    assert any(is_open_to_wall(f) for f in target.fields.values()), target.name


async def test_the_wall_check_walks_each_fragment_once() -> None:
    # A document whose fragments each spread the previous one twice: 2^30 paths, 31 fragments.
    fragments = ["fragment F0 on WallSnapshot { cursor }"] + [
        f"fragment F{i} on WallSnapshot {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)
    ]
    document = parse(
        "query ($c: ID!) { wallSnapshot(dispatchCenter: $c) { ...F30 } } " + " ".join(fragments)
    )
    assert closed_to_wall(SCHEMA._schema, document) is None


async def test_services_that_grant_roles_refuse_a_wall_screen() -> None:
    # given a wall screen's account and an organisation
    district, organization = await organization_to_join()
    user, screen = await wall_screen()
    registration = volunteers.Registration("陈志愿", new_id_number(), "13800138000", district.id)
    founding = organizations.NewOrganization("墙", OrganizationCategory.COMMUNITY, district.id)

    # when the services are called directly, as the CLI and Open311 call them, each refuses
    with pytest.raises(NotPermitted):
        await volunteers.register(screen, registration)
    with pytest.raises(NotPermitted):
        await organizations.create(screen, founding)
    with pytest.raises(NotPermitted):
        await organizations.apply(screen, organization.id)
    with pytest.raises(NotPermitted):
        await accounts.add_role(user, Role.VOLUNTEER)

    # then the account is still only a wall screen, and nothing was written
    await user.refresh_from_db()
    assert user.roles == [Role.WALL_DISPLAY.value]
    assert await Volunteer.all().count() == 0
    assert await Organization.all().count() == 1


async def _first(stream: Any) -> Any:
    return await anext(stream)


async def test_subscriptions_of_a_wall_screen(hub: EventHub) -> None:
    # given a centre's open order and its wall screen
    centers = await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    _, screen = await wall_screen()
    context = Context(principal=screen, hub=hub)
    center = gid("DispatchCenter", centers["district"].id)

    # when it follows one order, or the feed with the order's address: refused
    refused = await SCHEMA.subscribe(
        ORDER_UPDATED,
        variable_values={"order": gid("ServiceOrder", order_id)},
        context_value=context,
    )
    first = refused if not hasattr(refused, "__anext__") else await _first(refused)
    assert error_codes(first) == ["NOT_PERMITTED"]
    with_address = await SCHEMA.subscribe(
        FEED_WITH_ADDRESS, variable_values={"center": center}, context_value=context
    )
    first = with_address if not hasattr(with_address, "__anext__") else await _first(with_address)
    assert error_codes(first) == ["NOT_PERMITTED"]

    # when it follows the feed as the page does, and the order is assigned
    stream = await SCHEMA.subscribe(FEED, variable_values={"center": center}, context_value=context)
    assert hasattr(stream, "__anext__"), stream
    task = asyncio.create_task(_first(stream))
    for _ in range(200):
        if hub.subscriber_count():
            break
        await asyncio.sleep(0.02)
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    event = await asyncio.wait_for(task, 20)
    await stream.aclose()

    # then the event carries the order as the wall shows it: rounded, nothing private
    assert event.errors is None, event.errors
    order = event.data["dispatchFeed"]["order"]
    assert order["location"] == {"lat": round(HUICHENG_LAT, 3), "lng": round(HUICHENG_LNG, 3)}
    assert not any(text in str(event.data) for text in PRIVATE)


def _codes(frame: dict[str, Any]) -> list[str]:
    payload = frame["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [])
    return [e["extensions"]["code"] for e in errors]


async def test_a_wall_screen_over_the_websocket(hub: EventHub) -> None:
    # given a wall screen's WebSocket connection to the real view
    centers = await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    await wall_screen()
    connection = await connect(GraphQLApp(SCHEMA), hub, await token_of("wall1"))
    center = gid("DispatchCenter", centers["district"].id)
    subscriptions = {
        "order": (ORDER_UPDATED, {"order": gid("ServiceOrder", order_id)}),
        "address": (FEED_WITH_ADDRESS, {"center": center}),
        "feed": (FEED, {"center": center}),
    }
    before = hub.subscriber_count()
    try:
        for key, (document, variables) in subscriptions.items():
            payload = {"query": document, "variables": variables}
            connection.say({"id": key, "type": "subscribe", "payload": payload})
        refusals = await connection.next_frames(2)
        for _ in range(200):
            if hub.subscriber_count() > before:
                break
            await asyncio.sleep(0.02)
        # when the order is assigned
        await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
        frames = await connection.next_frames(3)
    finally:
        await connection.close()

    # then following one order and reading the address are refused; the feed is the wall's
    assert {f["id"]: _codes(f) for f in refusals} == {
        "order": ["NOT_PERMITTED"],
        "address": ["NOT_PERMITTED"],
    }
    [event] = [f for f in frames if f["id"] == "feed"]
    order = event["payload"]["data"]["dispatchFeed"]["order"]
    assert order["location"] == {"lat": round(HUICHENG_LAT, 3), "lng": round(HUICHENG_LNG, 3)}
    assert not any(text in str(event) for text in PRIVATE)
