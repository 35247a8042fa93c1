"""The wall screen end to end: the real server, the page in Debian's headless Chromium driven
by Playwright (never a downloaded browser), mutations over HTTP.

The page must show an order submitted and assigned over HTTP; survive the server being stopped
and, later, killed outright, saying "reconnecting" meanwhile; then catch up on what happened
while it was away and carry on live, with every event of its centre shown once, in order.
Screenshots of the live and the reconnecting page are kept in test-artifacts/."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from strawberry.relay import from_base64, to_base64

from models.accounts import Role
from models.dispatch import ServiceOrder
from models.geography import District
from services import wall
from services.civic.catalogue import ensure_categories
from services.dispatch import orders
from services.statistics import CITY_ZONE
from subscriptions import events
from tests.civic.support import report
from tests.conftest import Backend
from tests.dispatch.support import make_centers, new_order
from tests.server import REPO_ROOT, ServerProcess
from tests.support import make_user, make_volunteer

pytestmark = pytest.mark.server

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
ARTIFACTS = REPO_ROOT / "test-artifacts"
PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
SHOWN = 20_000  # ms: an event on the page (the page itself takes well under a second)
RECOVERED = 60_000  # ms: back to live after a restart, back-off included
LOGIN = """mutation ($u: String!, $p: String!) {
  login(input: {username: $u, password: $p}) { token errors { code } } }"""
SUBMIT = """mutation ($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id } errors { code } } }"""
ASSIGN = """mutation ($input: AssignOrderInput!) {
  assignOrder(input: $input) { order { id status } errors { code } } }"""


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@asynccontextmanager
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                # Any host but the server's fails to resolve: nothing loads from elsewhere.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        try:
            yield launched
        finally:
            await launched.close()


async def wall_page(opened: Browser, url: str, problems: list[str]) -> Page:
    page = await opened.new_page(viewport={"width": 1920, "height": 1080})
    # Uncaught errors and rejected promises. (Console errors are expected: the browser logs
    # every refused connection while the server is away.)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Everything the page asks for comes from the server itself.
    page.on("request", lambda r: r.url.startswith(url.split("/wall/")[0]) or problems.append(r.url))
    await page.goto(url)
    return page


def keep(name: str, backend: Backend) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}-{backend.name}.png"


class CrashableServer(ServerProcess):
    def crash(self) -> None:
        """SIGKILL, as in a crash or a pulled plug: no goodbye to the WebSocket clients."""
        process, self._process = self._process, None
        if process is not None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@dataclass
class Desk:
    """Huicheng's district centre, a resident, a dispatcher and a volunteer."""

    center_id: int
    district: str
    volunteer: str
    resident: Any
    slot: int = 0

    def window(self) -> tuple[datetime, datetime]:
        self.slot += 1
        start = datetime.now(UTC) + timedelta(hours=1 + 3 * self.slot)
        return start, start + timedelta(hours=2)


async def a_desk() -> Desk:
    centers = await make_centers()
    _, resident = await make_user("resident1", Role.RESIDENT)
    await make_user("dispatcher1", Role.DISPATCHER)
    _, _, volunteer = await make_volunteer("volunteer1")
    district = await District.get(code="HUICHENG")
    return Desk(
        centers["district"].id,
        to_base64("District", district.id),
        to_base64("Volunteer", volunteer),
        resident,
    )


class Http:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server

    async def call(self, document: str, variables: dict[str, Any], token: str = "") -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(
                self.server.graphql_url,
                json={"query": document, "variables": variables},
                headers=headers,
            )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body["data"]

    async def login(self, username: str) -> str:
        data = await self.call(LOGIN, {"u": username, "p": PASSWORD})
        token: str = data["login"]["token"]
        return token

    async def submit(self, desk: Desk, token: str) -> str:
        start, end = desk.window()
        order = {
            "category": "MEDICAL_ESCORT",
            "description": "Accompany grandma to the hospital",
            "address": "惠城区江北文昌一路 8 号",
            "location": {"lat": 23.0837, "lng": 114.3828},
            "district": desk.district,
            "windowStart": start.isoformat(),
            "windowEnd": end.isoformat(),
        }
        data = await self.call(SUBMIT, {"input": order}, token)
        assert data["submitOrder"]["errors"] == [], data
        order_id: str = data["submitOrder"]["order"]["id"]
        return order_id

    async def assign(self, order: str, volunteer: str, token: str) -> None:
        data = await self.call(
            ASSIGN, {"input": {"order": order, "volunteers": [volunteer]}}, token
        )
        assert data["assignOrder"]["errors"] == [], data


async def submitted_directly(desk: Desk) -> str:
    """An order submitted through the services while no server runs: its event is committed to
    the log, and only the log, so the page can learn of it only by resuming from its cursor."""
    district = await District.get(code="HUICHENG")
    start, end = desk.window()
    order = await orders.submit(
        desk.resident, new_order(district_id=district.id, window_start=start, window_end=end)
    )
    return to_base64("ServiceOrder", order.id)


def on_page(order: str, event: str) -> str:
    return f'#events li[data-order="{order}"][data-type="{event}"]'


def card(column: str, order: str) -> str:
    return f'.column[data-column="{column}"] li[data-order="{order}"]'


async def test_the_wall_follows_its_centre_live_and_survives_restarts_and_crashes(
    chromium: Path, backend: Backend, media_storage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given Huicheng's district centre, a credential for its wall, and the server
    desk = await a_desk()
    credential = await wall.issue_wall_credential(await wall.find_center(str(desk.center_id)), 365)
    channel = f"vc-wall-{uuid.uuid4().hex[:8]}"
    env = {"HUB_HEARTBEAT_SECONDS": "1", "BUS_CHANNEL_PREFIX": channel}
    server = CrashableServer(backend.settings, env=env)
    await server.astart()
    http = Http(server)
    problems: list[str] = []
    try:
        resident, dispatcher = await http.login("resident1"), await http.login("dispatcher1")
        async with browser(chromium) as opened:
            # when the screen opens the URL the CLI printed
            url = f"{server.url}/wall/{desk.center_id}#token={credential.token}"
            page = await wall_page(opened, url, problems)
            await page.wait_for_selector('body[data-connection="live"]')

            # then the credential left the address bar for the browser's storage
            assert "#token" not in page.url
            stored = await page.evaluate("localStorage.getItem('volunteer-city.wall.credential')")
            assert stored == credential.token

            # when a resident submits an order and a dispatcher assigns it, over HTTP
            first = await http.submit(desk, resident)
            await page.wait_for_selector(on_page(first, "ORDER_SUBMITTED"), timeout=SHOWN)
            await page.wait_for_selector(card("new", first), timeout=SHOWN)
            await http.assign(first, desk.volunteer, dispatcher)

            # then the page shows each within moments, and the figures follow
            await page.wait_for_selector(on_page(first, "ORDER_ASSIGNED"), timeout=SHOWN)
            await page.wait_for_selector(card("assigned", first), timeout=SHOWN)
            await expect(page.locator("#f-orders-today")).to_have_text("1", timeout=SHOWN)

            # when a civic issue is reported in the centre's area
            await ensure_categories()
            district = await District.get(code="HUICHENG")
            issue = to_base64(
                "CivicIssue", (await report(desk.resident, district_id=district.id)).id
            )

            # then it is listed with the orders' events, and counted among the open issues
            reported = f'#events li[data-issue="{issue}"][data-type="CIVIC_ISSUE_REPORTED"]'
            await page.wait_for_selector(reported, timeout=SHOWN)
            opened = page.locator('#civic li[data-status="REPORTED"] output')
            await expect(opened).to_have_text("1", timeout=SHOWN)
            await page.screenshot(path=keep("wall-live", backend))

            # when the server is stopped (a deploy), and an order arrives meanwhile
            await server.astop()
            await page.wait_for_selector('body[data-connection="reconnecting"]')
            assert await page.is_visible("#banner")
            assert "正在重新连接" in await page.inner_text("#banner")
            assert "Reconnecting" in await page.inner_text("#banner")
            await page.screenshot(path=keep("wall-reconnecting", backend))
            while_stopped = await submitted_directly(desk)
            await server.astart()

            # then it recovers, catches up on the order it missed, and carries on live
            await page.wait_for_selector('body[data-connection="live"]', timeout=RECOVERED)
            await page.wait_for_selector(on_page(while_stopped, "ORDER_SUBMITTED"), timeout=SHOWN)
            await http.assign(while_stopped, desk.volunteer, await http.login("dispatcher1"))
            await page.wait_for_selector(card("assigned", while_stopped), timeout=SHOWN)

            # when the server is killed outright, and an order arrives meanwhile
            server.crash()
            await page.wait_for_selector('body[data-connection="reconnecting"]', timeout=SHOWN)
            while_dead = await submitted_directly(desk)
            await server.astart()

            # then likewise: the missed order, then one made after the restart
            await page.wait_for_selector('body[data-connection="live"]', timeout=RECOVERED)
            await page.wait_for_selector(on_page(while_dead, "ORDER_SUBMITTED"), timeout=SHOWN)
            last = await http.submit(desk, await http.login("resident1"))
            await page.wait_for_selector(on_page(last, "ORDER_SUBMITTED"), timeout=SHOWN)
            await expect(page.locator("#f-orders-today")).to_have_text("4", timeout=SHOWN)
            shot = keep("wall-recovered", backend)
            await page.screenshot(path=shot)
            with capsys.disabled():
                sys.stdout.write(f"\nwall screenshots: {shot.parent}/wall-*-{backend.name}.png\n")

            # and every event of the centre reached the page once, in order, none repeated
            log = await events.read_after(0, f"center:{desk.center_id}")
            received = int(await page.evaluate("document.body.dataset.events"))
            repeated = int(await page.evaluate("document.body.dataset.duplicates"))
            shown = await page.eval_on_selector_all(
                "#events li", "items => items.map(i => i.dataset.cursor)"
            )
            assert (received, repeated) == (len(log), 0)
            newest_first = [events.encode_cursor(e.id) for e in reversed(log)]
            assert shown == newest_first[: len(shown)]
    finally:
        await server.astop()
        server.close()
    assert problems == []


async def test_the_wall_outlives_its_access_tokens(chromium: Path, backend: Backend) -> None:
    # given a server whose access tokens last three seconds, and a wall showing its centre
    desk = await a_desk()
    credential = await wall.issue_wall_credential(await wall.find_center(str(desk.center_id)), 30)
    env = {"TOKEN_TTL_SECONDS": "3", "BUS_CHANNEL_PREFIX": f"vc-wall-{uuid.uuid4().hex[:8]}"}
    server = ServerProcess(backend.settings, env=env)
    await server.astart()
    http = Http(server)
    problems: list[str] = []
    try:
        async with browser(chromium) as opened:
            url = f"{server.url}/wall/{desk.center_id}"
            page = await wall_page(opened, f"{url}#token={credential.token}", problems)
            await page.wait_for_selector('body[data-connection="live"]')

            # when its access token has expired and an order arrives
            await asyncio.sleep(4)
            order = await http.submit(desk, await http.login("resident1"))

            # then the live connection carries on, and the figures are read with a new token
            await page.wait_for_selector(on_page(order, "ORDER_SUBMITTED"), timeout=SHOWN)
            await expect(page.locator("#f-orders-today")).to_have_text("1", timeout=SHOWN)

            # and a new connection after a restart signs in with a new one too
            await server.astop()
            await page.wait_for_selector('body[data-connection="reconnecting"]', timeout=SHOWN)
            await server.astart()
            await page.wait_for_selector('body[data-connection="live"]', timeout=RECOVERED)

            # and, reloaded without the fragment, it still has its credential
            await page.goto(url)
            await page.wait_for_selector('body[data-connection="live"]', timeout=SHOWN)
    finally:
        await server.astop()
        server.close()
    assert problems == []


async def test_a_screen_without_a_credential_or_with_a_revoked_one_says_so(
    chromium: Path, backend: Backend
) -> None:
    # given a centre whose first wall credential was revoked by a second
    desk = await a_desk()
    center = await wall.find_center(str(desk.center_id))
    revoked = await wall.issue_wall_credential(center, 365)
    await wall.issue_wall_credential(center, 365, revoke_previous=True)
    problems: list[str] = []
    server = ServerProcess(backend.settings)
    await server.astart()
    try:
        async with browser(chromium) as opened:
            url = f"{server.url}/wall/{desk.center_id}"

            # when a screen opens the page without a credential, and another with the old one
            bare = await wall_page(opened, url, problems)
            stale = await wall_page(opened, f"{url}#token={revoked.token}", problems)

            # then the first says how to set it up, the second that its credential is refused
            await bare.wait_for_selector('body[data-connection="setup"]')
            assert "create-wall-token" in await bare.inner_text("#setup")
            await stale.wait_for_selector('body[data-connection="credential"]', timeout=SHOWN)
            assert "凭证无效" in await stale.inner_text("#status")
            assert "INVALID_TOKEN" in await stale.inner_text("#credential-expiry")
    finally:
        await server.astop()
        server.close()
    assert problems == []


class Cable:
    """A TCP relay between the screen and the server that can be unplugged. Unplugged, its open
    connections go silent (nothing relayed, nothing closed: what a dead link looks like) and new
    ones are refused; plugged back, new connections go through and the dead ones are dropped."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.unplugged = False
        self.port = 0
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Cable:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._drop_links()
        if self._server is not None:
            self._server.close()

    def unplug(self) -> None:
        self.unplugged = True

    def plug(self) -> None:
        self.unplugged = False
        self._drop_links()

    def _drop_links(self) -> None:
        for near, far in self._links:
            near.transport.abort()
            far.transport.abort()
        self._links.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.unplugged:
            writer.transport.abort()
            return
        far_reader, far_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._links.add((writer, far_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with suppress(ConnectionError):
                while data := await source.read(65536):
                    if not self.unplugged:
                        sink.write(data)
                        await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, far_writer), pipe(far_reader, writer))


async def test_the_wall_notices_a_dropped_network_and_catches_up(
    chromium: Path, backend: Backend
) -> None:
    # given a wall showing its centre through a cable
    desk = await a_desk()
    credential = await wall.issue_wall_credential(await wall.find_center(str(desk.center_id)), 30)
    server = ServerProcess(backend.settings, env={"HUB_HEARTBEAT_SECONDS": "1"})
    await server.astart()
    http = Http(server)
    problems: list[str] = []
    try:
        async with browser(chromium) as opened, Cable(server.port) as cable:
            url = f"http://127.0.0.1:{cable.port}/wall/{desk.center_id}#token={credential.token}"
            page = await wall_page(opened, url, problems)
            await page.wait_for_selector('body[data-connection="live"]')

            # when the screen's cable is pulled (no close, just silence), and an order arrives
            cable.unplug()
            # (noticed by the page's pings: one every 10 s, and 5 s to answer)
            await page.wait_for_selector('body[data-connection="reconnecting"]', timeout=30_000)
            order = await http.submit(desk, await http.login("resident1"))
            cable.plug()

            # then it is back as soon as the network is, with the order it missed
            await page.wait_for_selector('body[data-connection="live"]', timeout=RECOVERED)
            await page.wait_for_selector(on_page(order, "ORDER_SUBMITTED"), timeout=SHOWN)
            assert await page.evaluate("document.body.dataset.duplicates") == "0"
    finally:
        await server.astop()
        server.close()
    assert problems == []


async def test_a_new_screen_shows_the_day_so_far_on_a_map_of_its_districts(
    chromium: Path, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a centre whose order was submitted before its screen was switched on
    desk = await a_desk()
    credential = await wall.issue_wall_credential(await wall.find_center(str(desk.center_id)), 30)
    earlier = await submitted_directly(desk)
    server = ServerProcess(backend.settings)
    await server.astart()
    problems: list[str] = []
    try:
        async with browser(chromium) as opened:
            # when the screen opens
            url = f"{server.url}/wall/{desk.center_id}#token={credential.token}"
            page = await wall_page(opened, url, problems)
            await page.wait_for_selector('body[data-connection="live"]')

            # then the live list already holds the day's event, read back from the event log,
            # and it is not counted as news
            item = page.locator(on_page(earlier, "ORDER_SUBMITTED"))
            await expect(item).to_have_count(1, timeout=SHOWN)
            assert await page.locator(f"{on_page(earlier, 'ORDER_SUBMITTED')}.fresh").count() == 0
            assert await page.evaluate("document.body.dataset.events") == "0"

            # and the card says on which day its window is, not only the hours
            when = await page.inner_text(f"{card('new', earlier)} .when")
            order = await ServiceOrder.get(id=int(from_base64(earlier)[1]))
            day = order.window_start.astimezone(CITY_ZONE)
            assert when.startswith(f"{day.month}月{day.day}日 "), when

            # and the footer gives the credential's expiry as one day in both languages
            until = credential.expires_at.astimezone(CITY_ZONE)
            footer = await page.inner_text("#credential-expiry")
            assert f"{until.year}年{until.month}月{until.day}日" in footer, footer
            assert f"credential valid until {until:%Y-%m-%d}" in footer, footer

            # and the map draws Huicheng's boundary, not a hull of points
            outline = page.locator("#map path.area")
            await expect(outline).to_have_count(1, timeout=SHOWN)
            box = await outline.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 200

            # and the English sub-labels are large enough to read across a room
            sizes = await page.eval_on_selector_all(
                '[lang="en"]', "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
            )
            assert sizes and min(sizes) >= 20, sizes
            shot = keep("wall-opened", backend)
            await page.screenshot(path=shot)
            with capsys.disabled():
                sys.stdout.write(f"\nwall screenshot: {shot}\n")
    finally:
        await server.astop()
        server.close()
    assert problems == []


SIGN_UP = """mutation ($session: ID!, $position: ID!) {
  signUpForActivity(input: {session: $session, position: $position}) {
    signUp { status } errors { code } } }"""


async def test_the_wall_shows_todays_activities_and_their_places_filling_live(
    chromium: Path, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.activities.support import first_position, first_session, organiser, published

    # given a clinic later today in the centre's district with 2 places, and its wall open
    desk = await a_desk()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    if wall.local_day_start(start) != wall.local_day_start(datetime.now(UTC)):
        pytest.skip("too close to midnight in Huizhou for a session later today")
    admin, organization_id = await organiser()
    clinic = await published(
        admin, organization_id, title="好人驿站义诊", sessions=[(start, start + timedelta(hours=2))]
    )
    session = to_base64("ActivitySession", (await first_session(clinic)).id)
    position = to_base64("ActivityPosition", (await first_position(clinic)).id)
    credential = await wall.issue_wall_credential(await wall.find_center(str(desk.center_id)), 30)
    server = ServerProcess(backend.settings)
    await server.astart()
    http = Http(server)
    problems: list[str] = []
    try:
        async with browser(chromium) as opened:
            url = f"{server.url}/wall/{desk.center_id}#token={credential.token}"
            page = await wall_page(opened, url, problems)
            await page.wait_for_selector('body[data-connection="live"]')
            row = page.locator(f'#activities li[data-session="{session}"]')
            await expect(row).to_have_count(1, timeout=SHOWN)
            await expect(row.locator(".what")).to_have_text("好人驿站义诊")
            await expect(row.locator(".where")).to_have_text("卫生健康 Public health · 惠城区")
            await expect(row.locator(".places")).to_have_text("0/2")

            # when a volunteer signs up over HTTP
            data = await http.call(
                SIGN_UP, {"session": session, "position": position}, await http.login("volunteer1")
            )
            assert data["signUpForActivity"]["errors"] == [], data

            # then the panel's count moves, live, and the event is in the live list
            await expect(row.locator(".places")).to_have_text("1/2", timeout=SHOWN)
            await expect(page.locator("#activities h2 output")).to_have_text("1/2")
            signed = page.locator('#events li.activity[data-type="SIGN_UP_CONFIRMED"]')
            await expect(signed).to_have_count(1, timeout=SHOWN)
            await expect(signed.locator(".where")).to_contain_text("好人驿站义诊")
            sizes = await page.eval_on_selector_all(
                '#activities [lang="en"]',
                "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))",
            )
            assert sizes and min(sizes) >= 20, sizes
            shot = keep("wall-activities", backend)
            await page.screenshot(path=shot)
            with capsys.disabled():
                sys.stdout.write(f"\nwall screenshot: {shot}\n")
    finally:
        await server.astop()
        server.close()
    assert problems == []
