"""wallSnapshot and the wall credential: the figures against a fixture counted by hand, access,
the statement count, the snapshot's cursor against the event log, and the CLI's credential."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from strawberry.relay import from_base64, to_base64

from models.accounts import Role, User
from models.civic import CivicCategory, CivicIssue, CivicStatus
from models.dispatch import (
    AssignmentStatus,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    ServiceCategory,
    ServiceOrder,
)
from models.geography import Community, District
from models.stations import Station, StationKind
from services import accounts, wall
from services.civic.catalogue import ensure_categories
from services.common.errors import DomainError
from services.wall.errors import WallErrorCode
from subscriptions import events
from tests.conftest import Backend
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import count_statements, data_of, error_codes, gql, make_user, make_volunteer

SNAPSHOT = """
query Wall($center: ID!) {
  wallSnapshot(dispatchCenter: $center) {
    center { name escalateAfterMinutes }
    asOf dayStart cursor
    ordersToday ordersPerHour servedToday
    ratings satisfiedRatings satisfactionRate volunteersOnDuty
    openOrders { status count } overdueOrders
    civicIssues { status count } civicIssuesOverdue civicIssuesFiled civicIssuesRectified
    civicIssueRectificationRate
    orders { id orderId status category urgency location { lat lng } windowStart routedAt dueAt
      overdue
      district { id name nameEn } }
    ordersTruncated
    map {
      districts { id name nameEn center { lat lng } }
      communities { id center { lat lng } district { id } }
      stations { id kind location { lat lng } }
    }
  }
}"""

# 2024-06-30 15:30 in Huizhou. Today began at 2024-06-29 16:00Z.
NOW = datetime(2024, 6, 30, 7, 30, tzinfo=UTC)


def local(text: str) -> datetime:
    """A Huizhou wall-clock time (UTC+8, no daylight saving) as UTC."""
    return (datetime.fromisoformat(text) - timedelta(hours=8)).replace(tzinfo=UTC)


async def order(
    center: DispatchCenter,
    created: str,
    status: OrderStatus,
    *,
    window: str | None = None,
    routed: str | None = None,
    rating: int | None = None,
    rated: str | None = None,
    lat: float = 23.08374,
) -> ServiceOrder:
    district = await District.get(code="HUICHENG")
    start = local(window or created) + (timedelta() if window else timedelta(hours=4))
    return await ServiceOrder.create(
        category=ServiceCategory.ELDERLY_CARE,
        description="陪老人就医",
        address="惠城区江北文昌一路 8 号",
        lat=lat,
        lng=114.38276,
        district=district,
        window_start=start,
        window_end=start + timedelta(hours=2),
        status=status,
        dispatch_center=center,
        routed_at=local(routed or created),
        rating=rating,
        rated_at=local(rated) if rated else None,
        created_at=local(created),
    )


async def completed(target: ServiceOrder, at: str) -> None:
    await OrderTransition.create(
        order=target,
        from_status=OrderStatus.IN_PROGRESS,
        to_status=OrderStatus.COMPLETED,
        at=local(at),
    )


async def checked_in(target: ServiceOrder, username: str) -> None:
    _, _, volunteer_id = await make_volunteer(username)
    await OrderAssignment.create(
        order=target,
        volunteer_id=volunteer_id,
        status=AssignmentStatus.CHECKED_IN,
        window_start=target.window_start,
        window_end=target.window_end,
    )


async def wall_fixture() -> dict[str, DispatchCenter]:
    """Huicheng's district centre (escalates after 30 min), counted by hand in each comment."""
    centers = await make_centers()
    center = centers["district"]
    done, submitted = OrderStatus.COMPLETED, OrderStatus.SUBMITTED
    # Today: 00:00 (hour 0), 01:10 (1), 09:05 and 09:40 (9), 14:00 (14), 15:10 (15) = 6.
    await order(center, "2024-06-30T00:00", OrderStatus.CANCELLED)
    rated = await order(
        center, "2024-06-30T01:10", OrderStatus.RATED, rating=5, rated="2024-06-30T08:00"
    )
    await completed(rated, "2024-06-30T03:00")  # served today
    served = await order(center, "2024-06-30T09:05", done)
    await completed(served, "2024-06-30T12:00")  # served today
    serving = await order(center, "2024-06-30T09:40", OrderStatus.IN_PROGRESS)
    await checked_in(serving, "volunteer1")  # on duty
    await checked_in(serving, "volunteer2")  # on duty
    # Unassigned, due 15:40 (escalation), not yet overdue at 15:30.
    await order(center, "2024-06-30T15:10", submitted, window="2024-06-30T18:00")
    # Unassigned since 14:00, due 14:30: overdue.
    await order(center, "2024-06-30T14:00", submitted, window="2024-06-30T20:00", lat=23.0901)
    # Before today: assigned, window started 15:00 today: overdue. Accepted, window tomorrow.
    await order(center, "2024-06-29T23:59", OrderStatus.ASSIGNED, window="2024-06-30T15:00")
    await order(center, "2024-06-29T10:00", OrderStatus.ACCEPTED, window="2024-07-01T09:00")
    # Completed yesterday, rated 2 ten days ago: a rating of the last 30 days, not served today.
    old = await order(center, "2024-06-19T10:00", done, rating=2, rated="2024-06-20T10:00")
    await completed(old, "2024-06-29T20:00")
    # Rated 40 days ago: outside the 30 days.
    await order(center, "2024-05-20T10:00", OrderStatus.RATED, rating=5, rated="2024-05-21T10:00")
    # Another district's centre's order, checked in today: counts for it, not for this one.
    huiyang_center = await DispatchCenter.create(
        name="惠阳区调度中心", level=CenterLevel.DISTRICT, parent=centers["city"]
    )
    centers["huiyang"] = huiyang_center
    elsewhere = await order(huiyang_center, "2024-06-30T10:00", OrderStatus.IN_PROGRESS)
    await checked_in(elsewhere, "volunteer3")

    huicheng = await District.get(code="HUICHENG")
    huiyang = await District.get(code="HUIYANG")
    street = await Community.filter(district_id=huicheng.id).order_by("id").first()
    assert street is not None
    for name, district, community in (
        ("文昌学雷锋岗", huicheng, street),
        ("桥东好人站", huicheng, None),
        ("淡水服务点", huiyang, None),
    ):
        await Station.create(
            kind=StationKind.LEI_FENG_POST,
            name=name,
            address="测试路 1 号",
            lat=district.center_lat,
            lng=district.center_lng,
            district=district,
            community=community,
        )
    return centers


def gid(row: DispatchCenter) -> str:
    return to_base64("DispatchCenter", row.id)


async def test_the_figures_of_a_district_centre_match_the_fixture() -> None:
    # given the hand-counted day of Huicheng's district centre
    centers = await wall_fixture()

    # when its wall reads the snapshot at 15:30
    snapshot = await wall.wall_snapshot(centers["district"].id, NOW)

    # then every figure is the one counted above
    assert snapshot.day_start == datetime(2024, 6, 29, 16, 0, tzinfo=UTC)
    assert snapshot.orders_today == 6
    per_hour = [0] * 24
    per_hour[0] = per_hour[1] = per_hour[14] = per_hour[15] = 1
    per_hour[9] = 2
    assert snapshot.orders_per_hour == per_hour
    assert snapshot.served_today == 2
    assert (snapshot.satisfaction.numerator, snapshot.satisfaction.denominator) == (1, 2)
    assert snapshot.volunteers_on_duty == 2
    assert snapshot.open_by_status == {
        OrderStatus.SUBMITTED: 2,
        OrderStatus.ASSIGNED: 1,
        OrderStatus.ACCEPTED: 1,
        OrderStatus.IN_PROGRESS: 1,
    }
    assert snapshot.overdue == 2
    # and the board lists the five open orders, soonest window first, each with its deadline
    due = [(o.status, o.due_at) for o in snapshot.orders]
    assert due == [
        (OrderStatus.IN_PROGRESS, None),
        (OrderStatus.ASSIGNED, local("2024-06-30T15:00")),
        (OrderStatus.SUBMITTED, local("2024-06-30T15:40")),
        (OrderStatus.SUBMITTED, local("2024-06-30T14:30")),
        (OrderStatus.ACCEPTED, local("2024-07-01T09:00")),
    ]
    # with points rounded to about 100 m
    assert {(o.lat, o.lng) for o in snapshot.orders} == {(23.084, 114.383), (23.09, 114.383)}


async def test_a_centre_s_wall_covers_the_centres_below_it() -> None:
    # given the hand-counted day of Huicheng's district centre, a sibling district's order,
    # and an order of the street station below the district centre, submitted today
    centers = await wall_fixture()
    await order(centers["street"], "2024-06-30T11:00", OrderStatus.SUBMITTED)

    # when each level's wall reads its snapshot at 15:30
    city = await wall.wall_snapshot(centers["city"].id, NOW)
    district = await wall.wall_snapshot(centers["district"].id, NOW)
    street = await wall.wall_snapshot(centers["street"].id, NOW)
    sibling = await wall.wall_snapshot(centers["huiyang"].id, NOW)

    # then the street's order counts for the street, its district and the city, not the sibling
    assert street.orders_today == 1
    assert district.orders_today == 6 + 1
    assert sibling.orders_today == 1
    assert city.orders_today == 6 + 1 + 1
    assert city.volunteers_on_duty == 2 + 1
    assert len(district.orders) == len(street.orders) + 5


async def test_the_civic_figures_of_a_centre() -> None:
    # given civic issues of Huicheng's district centre, and one of another district's centre
    centers = await make_centers()
    sibling = await DispatchCenter.create(
        name="惠阳区调度中心", level=CenterLevel.DISTRICT, parent=centers["city"]
    )
    await ensure_categories()
    category = await CivicCategory.get(code="LITTERING")
    district = await District.get(code="HUICHENG")
    past, ahead = NOW - timedelta(hours=1), NOW + timedelta(days=1)
    rows = [
        (centers["district"], CivicStatus.REPORTED, 1, None),
        (centers["district"], CivicStatus.FILED, 2, past),  # overdue
        (centers["district"], CivicStatus.DISPATCHED, 3, ahead),
        (centers["district"], CivicStatus.RECTIFYING, 4, past),  # overdue
        (centers["district"], CivicStatus.RECTIFIED, 5, past),  # fixed: not overdue
        (centers["district"], CivicStatus.CLOSED_UNRESOLVED, 6, past),  # filed, never fixed
        (centers["district"], CivicStatus.VERIFIED, 40, past),  # reported before the 30 days
        (sibling, CivicStatus.FILED, 2, past),  # another district's
    ]
    for index, (center, status, days_ago, deadline) in enumerate(rows):
        reported = NOW - timedelta(days=days_ago)
        await CivicIssue.create(
            token=f"W{index:011d}",
            category=category,
            description="fixture",
            lat=23.08,
            lng=114.38,
            address="fixture",
            district=district,
            dispatch_center=center,
            status=status,
            reported_at=reported,
            updated_at=reported,
            filed_at=None if status == CivicStatus.REPORTED else reported + timedelta(hours=1),
            deadline=deadline,
        )

    civic = (await wall.wall_snapshot(centers["district"].id, NOW)).civic

    # then the open ones by status, two past their deadline, and 1 of 5 filed in 30 days fixed
    assert civic.open_by_status == {
        CivicStatus.REPORTED: 1,
        CivicStatus.FILED: 1,
        CivicStatus.DISPATCHED: 1,
        CivicStatus.RECTIFYING: 1,
    }
    assert civic.overdue == 2
    assert (civic.rectification.numerator, civic.rectification.denominator) == (1, 5)


async def test_the_area_of_each_level_of_centre() -> None:
    centers = await wall_fixture()
    huicheng_communities = await Community.filter(district__code="HUICHENG").count()

    district = (await wall.wall_snapshot(centers["district"].id, NOW)).area
    street = (await wall.wall_snapshot(centers["street"].id, NOW)).area
    city = (await wall.wall_snapshot(centers["city"].id, NOW)).area

    # A district centre: its district whole. A street centre: its one community. The city
    # centre, which covers whatever nobody more local does: the whole city.
    assert [d.code for d in district.districts] == ["HUICHENG"]
    assert len(district.communities) == huicheng_communities
    assert sorted(s.name for s in district.stations) == ["文昌学雷锋岗", "桥东好人站"]
    assert [d.code for d in street.districts] == ["HUICHENG"]
    assert len(street.communities) == 1
    assert [s.name for s in street.stations] == ["文昌学雷锋岗"]
    assert len(city.districts) == await District.all().count()
    assert len(city.communities) == await Community.all().count()
    assert len(city.stations) == 3


async def test_wall_snapshot_over_graphql_for_a_wall_screen() -> None:
    centers = await wall_fixture()
    _, screen = await make_user("wall1", Role.WALL_DISPLAY)

    data = await data_of(SNAPSHOT, {"center": gid(centers["district"])}, screen)

    got = data["wallSnapshot"]
    assert got["center"] == {"name": "惠城区调度中心", "escalateAfterMinutes": 30}
    assert got["cursor"] == events.encode_cursor(await events.latest_id())
    assert len(got["ordersPerHour"]) == 24
    assert got["civicIssueRectificationRate"] is None  # nothing filed
    assert [c["count"] for c in got["civicIssues"]] == [0, 0, 0, 0]
    assert {c["status"]: c["count"] for c in got["openOrders"]} == {
        "SUBMITTED": 2,
        "ASSIGNED": 1,
        "ACCEPTED": 1,
        "IN_PROGRESS": 1,
    }
    # read at the real clock, long after the fixture's day: all four unstarted are overdue
    assert got["overdueOrders"] == 4
    assert sum(o["overdue"] for o in got["orders"]) == 4
    assert len(got["orders"]) == 5 and not got["ordersTruncated"]
    huicheng = to_base64("District", (await District.get(code="HUICHENG")).id)
    assert {o["district"]["id"] for o in got["orders"]} == {huicheng}
    # Each card has its own ID, apart from its order's, so a normalising cache keeps both.
    cards = [(from_base64(o["id"]), from_base64(o["orderId"])) for o in got["orders"]]
    assert [(card[0], order[0]) for card, order in cards] == [("WallOrder", "ServiceOrder")] * 5
    assert all(card[1] == order[1] for card, order in cards)
    # No requester, address or description anywhere on the wall.
    assert "文昌一路" not in str(got) and "陪老人" not in str(got)
    assert [d["id"] for d in got["map"]["districts"]] == [huicheng]
    assert {c["district"]["id"] for c in got["map"]["communities"]} == {huicheng}
    assert len(got["map"]["stations"]) == 2


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ADMIN])
async def test_dispatchers_and_administrators_see_the_wall(role: Role) -> None:
    centers = await make_centers()
    _, who = await make_user("staff1", role)

    data = await data_of(SNAPSHOT, {"center": gid(centers["city"])}, who)

    assert data["wallSnapshot"]["center"]["name"] == centers["city"].name


async def test_nobody_else_sees_the_wall() -> None:
    centers = await make_centers()
    _, resident = await make_user("resident1", Role.RESIDENT)
    _, volunteer, _ = await make_volunteer("volunteer1")

    anonymous = await gql(SNAPSHOT, {"center": gid(centers["city"])})
    others = [
        await gql(SNAPSHOT, {"center": gid(centers["city"])}, p) for p in (resident, volunteer)
    ]

    assert error_codes(anonymous) == ["NOT_AUTHENTICATED"] and anonymous.data is None
    assert [error_codes(r) for r in others] == [["NOT_PERMITTED"], ["NOT_PERMITTED"]]


@pytest.mark.parametrize(
    ("center", "code"),
    [
        (to_base64("DispatchCenter", 999), "CENTER_NOT_FOUND"),
        (to_base64("District", 1), "NOT_FOUND"),
    ],
)
async def test_an_unknown_centre_is_a_coded_error(center: str, code: str) -> None:
    await make_centers()
    _, screen = await make_user("wall1", Role.WALL_DISPLAY)

    result = await gql(SNAPSHOT, {"center": center}, screen)

    assert error_codes(result) == [code]


async def test_the_statement_count_does_not_grow_with_the_orders() -> None:
    # given a centre with one open order, then the same with forty more and eight stations
    centers = await make_centers()
    _, screen = await make_user("wall1", Role.WALL_DISPLAY)
    variables = {"center": gid(centers["city"])}
    await order(centers["city"], "2024-06-30T09:00", OrderStatus.SUBMITTED)
    with count_statements() as one:
        await data_of(SNAPSHOT, variables, screen)

    for n in range(40):
        await order(centers["city"], "2024-06-30T10:00", list(wall.OPEN_STATUSES)[n % 4])
    district = await District.get(code="HUIYANG")
    for n in range(8):
        await Station.create(
            kind=StationKind.SERVICE_POINT,
            name=f"服务点{n}",
            address="测试路",
            lat=district.center_lat,
            lng=district.center_lng,
            district=district,
        )
    with count_statements() as many:
        data = await data_of(SNAPSHOT, variables, screen)

    # then both cost the same, bounded number of statements
    assert len(data["wallSnapshot"]["orders"]) == 41
    assert len(many.statements) == len(one.statements) <= 15, many.statements


async def test_the_cursor_separates_what_the_snapshot_reflects_from_what_follows() -> None:
    # given an order submitted before the snapshot and one after it
    centers = await make_centers()
    who = await people()
    before = await huicheng_order(who["resident"])
    snapshot = await wall.wall_snapshot(centers["district"].id)
    after = await huicheng_order(who["resident"], hours_from_now=5)

    # when a wall follows the feed after the snapshot's cursor
    position = events.decode_cursor(snapshot.cursor)
    assert position is not None
    later = await events.read_after(position, f"center:{centers['district'].id}")

    # then the snapshot holds the first order and the feed brings exactly the second
    assert [o.id for o in snapshot.orders] == [before]
    assert [e.payload["orderId"] for e in later] == [after]
    assert [e.type for e in later] == ["ORDER_SUBMITTED"]


async def test_a_wall_credential_is_exchanged_for_access_tokens_until_revoked() -> None:
    # given a year's credential for Huicheng's district centre
    centers = await make_centers()
    credential = await wall.issue_wall_credential(centers["district"], 365)

    # when the screen exchanges it, as the page does with refreshToken
    pair = await accounts.refresh(credential.token)
    principal = await accounts.authenticate(pair.access_token)

    # then it acts as a wall screen and nothing more, for a year
    assert principal is not None and principal.roles == frozenset({Role.WALL_DISPLAY})
    assert credential.user.username == f"wall-center-{centers['district'].id}"
    claims = jwt.decode(credential.token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 365 * 24 * 3600
    # and a second credential for the centre reuses its user; revoking signs out the first
    again = await wall.issue_wall_credential(centers["district"], 30, revoke_previous=True)
    assert again.user.id == credential.user.id
    with pytest.raises(DomainError):
        await accounts.refresh(credential.token)
    assert await accounts.authenticate(pair.access_token) is None
    assert (await accounts.refresh(again.token)).user.id == credential.user.id


async def test_a_wall_credential_refuses_bad_days_and_a_foreign_user() -> None:
    centers = await make_centers()
    await make_user(f"wall-center-{centers['city'].id}", Role.ADMIN)

    with pytest.raises(DomainError) as days:
        await wall.issue_wall_credential(centers["district"], 0)
    with pytest.raises(DomainError) as foreign:
        await wall.issue_wall_credential(centers["city"], 30)

    assert days.value.problems[0].code == WallErrorCode.INVALID_DAYS
    assert foreign.value.problems[0].code == WallErrorCode.WALL_USER_CONFLICT
    assert await User.filter(username__startswith="wall-center-").count() == 1


async def test_find_center_by_id_or_name() -> None:
    centers = await make_centers()

    assert (await wall.find_center(str(centers["street"].id))).id == centers["street"].id
    assert (await wall.find_center("江北街道调度站")).id == centers["street"].id
    with pytest.raises(DomainError):
        await wall.find_center("nowhere")


def cli(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as an operator runs it, in its own process."""
    env = {
        **os.environ,
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
    }
    command = [sys.executable, "-m", "api.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


async def test_the_cli_prints_a_wall_url_with_a_working_credential(backend: Backend) -> None:
    # given Huicheng's centres
    centers = await make_centers()

    # when an operator makes a credential for the district centre by its name
    done = cli(
        backend,
        "create-wall-token",
        "--center",
        "惠城区调度中心",
        "--days",
        "30",
        "--base-url",
        "http://wall.example:8000/",
    )

    # then it prints the URL to open on the screen, with the credential in its fragment
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip().splitlines()[-1]
    prefix = f"http://wall.example:8000/wall/{centers['district'].id}#token="
    assert url.startswith(prefix)
    pair = await accounts.refresh(url.removeprefix(prefix))
    assert pair.user.roles == [Role.WALL_DISPLAY.value]


async def test_the_cli_reports_an_unknown_centre(backend: Backend) -> None:
    done = cli(backend, "create-wall-token", "--center", "nowhere")

    assert done.returncode == 1
    assert "CENTER_NOT_FOUND" in done.stdout
    assert not await User.filter(username__startswith="wall-center-").exists()
