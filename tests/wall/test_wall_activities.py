"""The wall's "today's activities" panel: today's sessions in the centre's area with places
filled of the quota (wallSnapshot, statements that do not grow), their counts live on
dispatchFeed, and a wall screen that reads exactly what the panel shows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.activities import Activity
from models.geography import District
from schema.core.context import Context
from services import wall
from services.activities import catalogue, sign_ups
from services.common.principal import Principal
from subscriptions.hub import EventHub
from tests.activities.support import (
    first_position,
    first_session,
    new_activity,
    organiser,
    published,
    volunteers,
)
from tests.dispatch.support import make_centers
from tests.support import SCHEMA, count_statements, data_of, error_codes, gql, make_user
from tests.wall.test_wall_audience import FEED, SNAPSHOT


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def today_in(hours: float = 0.25) -> tuple[datetime, datetime]:
    """A session later today in Huizhou (skips the last minutes of the city's day)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    if wall.local_day_start(start) != wall.local_day_start(datetime.now(UTC)):
        pytest.skip("too close to midnight in Huizhou for a session later today")
    return start, start + timedelta(hours=1)


async def todays_clinic(admin: Principal, organization_id: int, **overrides: Any) -> Activity:
    overrides.setdefault("sessions", [today_in()])
    return await published(admin, organization_id, **overrides)


async def screen() -> Principal:
    return (await make_user("wall1", Role.WALL_DISPLAY))[1]


async def test_the_snapshot_lists_todays_sessions_of_its_area_with_places_filled() -> None:
    # given a clinic today in Huicheng with 2 places, one volunteer signed up; a clinic the
    # day after tomorrow, a draft today, and a clinic today in another district
    centers = await make_centers()
    admin, organization_id = await organiser()
    clinic = await todays_clinic(admin, organization_id)
    await published(admin, organization_id, title="后天的义诊")
    await catalogue.create_activity(
        admin,
        new_activity(organization_id, title="草稿", sessions=[today_in()]),
    )
    huiyang = await District.get(code="HUIYANG")
    elsewhere = await todays_clinic(admin, organization_id, title="惠阳义诊")
    await Activity.filter(id=elsewhere.id).update(district_id=huiyang.id)
    (volunteer,) = await volunteers(1)
    session, position = await first_session(clinic), await first_position(clinic)
    await sign_ups.sign_up(volunteer, session.id, position.id)

    # when the district centre's wall and the city's read their snapshots
    district = await data_of(
        SNAPSHOT, {"center": gid("DispatchCenter", centers["district"].id)}, await screen()
    )
    city = await wall.wall_snapshot(centers["city"].id)

    # then Huicheng's wall shows its clinic today with 1 of 2 places; the city's both clinics
    [shown] = district["wallSnapshot"]["activities"]
    assert shown["id"] == gid("ActivitySession", session.id)
    assert (shown["title"], shown["filled"], shown["quota"]) == ("周末义诊", 1, 2)
    assert shown["category"] == "PUBLIC_HEALTH" and shown["district"]["name"] == "惠城区"
    assert sorted(s.title for s in city.activities) == ["周末义诊", "惠阳义诊"]


async def test_the_panels_statements_do_not_grow_with_the_sessions() -> None:
    centers = await make_centers()
    admin, organization_id = await organiser()
    center = {"center": gid("DispatchCenter", centers["district"].id)}
    wall_screen = await screen()
    await todays_clinic(admin, organization_id)
    with count_statements() as one:
        await data_of(SNAPSHOT, center, wall_screen)
    for n in range(6):
        await todays_clinic(admin, organization_id, title=f"义诊{n}", sessions=[today_in(0.3)])
    with count_statements() as many:
        data = await data_of(SNAPSHOT, center, wall_screen)
    assert len(data["wallSnapshot"]["activities"]) == 7
    assert len(many.statements) == len(one.statements) <= 16, many.statements


async def test_the_feed_carries_a_sessions_new_count_to_the_wall(hub: EventHub) -> None:
    # given the wall following its feed as the page does, and a clinic today
    centers = await make_centers()
    admin, organization_id = await organiser()
    clinic = await todays_clinic(admin, organization_id)
    session, position = await first_session(clinic), await first_position(clinic)
    wall_screen = await screen()
    stream = await SCHEMA.subscribe(
        FEED,
        variable_values={
            "center": gid("DispatchCenter", centers["district"].id),
            "after": (await wall.wall_snapshot(centers["district"].id)).cursor,
        },
        context_value=Context(principal=wall_screen, hub=hub),
    )
    assert hasattr(stream, "__anext__"), stream
    try:
        # when two volunteers sign up
        for volunteer in await volunteers(2):
            await sign_ups.sign_up(volunteer, session.id, position.id)
        events = [await asyncio.wait_for(anext(stream), 20) for _ in range(2)]
    finally:
        await stream.aclose()

    # then the wall hears both, each with the session's places as they are then
    assert all(e.errors is None for e in events), [e.errors for e in events]
    seen = [e.data["dispatchFeed"] for e in events]  # type: ignore[index]
    assert [s["__typename"] for s in seen] == ["WallActivityEvent"] * 2
    assert {s["sessionId"] for s in seen} == {gid("ActivitySession", session.id)}
    assert [s["activityEventType"] for s in seen] == ["SIGN_UP_CONFIRMED"] * 2
    assert seen[-1]["filled"] == 2 and seen[-1]["quota"] == 2


@pytest.mark.parametrize(
    "document",
    [
        "query ($c: ID!) { wallSnapshot(dispatchCenter: $c) { activities { id } } "
        "activities { edges { node { title } } } }",
        "query ($a: ID!) { node(id: $a) { id ... on Activity { title description } } }",
        "subscription ($a: ID!) { activityUpdated(activity: $a) { type } }",
    ],
)
async def test_a_wall_screen_reads_the_panel_and_nothing_more_of_activities(
    document: str,
) -> None:
    centers = await make_centers()
    admin, organization_id = await organiser()
    clinic = await todays_clinic(admin, organization_id)
    variables = {"c": gid("DispatchCenter", centers["city"].id), "a": gid("Activity", clinic.id)}
    variables = {k: v for k, v in variables.items() if f"${k}" in document}
    if document.startswith("subscription"):
        result = await SCHEMA.subscribe(
            document,
            variable_values=variables,
            context_value=Context(principal=await screen(), hub=None),
        )
        first = result if not hasattr(result, "__anext__") else await anext(result)
    else:
        first = await gql(document, variables, await screen())
    assert error_codes(first) == ["NOT_PERMITTED"]  # type: ignore[arg-type]
