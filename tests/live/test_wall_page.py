"""GET /wall/<centre> over HTTP: the page, its headers, and its assets, every one served by the app
itself (the screen has no internet), the vendored graphql-ws client checked against its hash."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from strawberry.relay import to_base64

from models.dispatch import DispatchCenter
from models.geography import District
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.server import REPO_ROOT, ServerProcess, running_server

pytestmark = pytest.mark.server

ASSET = re.compile(r"""<(?:script|link)\b[^>]*?(?:src|href)="(?P<url>[^"]+)"(?P<rest>[^>]*)>""")
TYPES = {".js": "text/javascript", ".css": "text/css"}


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    with running_server(backend.settings) as running:
        yield running


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http


@pytest.fixture
async def centers() -> dict[str, DispatchCenter]:
    return await make_centers()


async def test_the_page_names_its_centre_and_locks_itself_down(
    client: httpx.AsyncClient, centers: dict[str, DispatchCenter]
) -> None:
    response = await client.get(f"/wall/{centers['district'].id}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    page = response.text
    assert "<title>惠城区调度中心 · 调度大屏 Dispatch wall</title>" in page
    assert f'data-center="{to_base64("DispatchCenter", centers["district"].id)}"' in page
    # No inline script: the policy would refuse it.
    assert all(" src=" in tag for tag in re.findall(r"<script\b[^>]*>", page))


async def test_a_centre_by_name_and_an_unknown_one(
    client: httpx.AsyncClient, centers: dict[str, DispatchCenter]
) -> None:
    by_name = await client.get("/wall/江北街道调度站")
    unknown = await client.get("/wall/<b>999")

    assert by_name.status_code == 200 and "江北街道调度站" in by_name.text
    assert unknown.status_code == 404
    assert "&lt;b&gt;999" in unknown.text and "<b>" not in unknown.text


async def test_every_asset_is_served_by_the_app_with_its_type(
    client: httpx.AsyncClient, centers: dict[str, DispatchCenter]
) -> None:
    page = (await client.get(f"/wall/{centers['city'].id}")).text
    assets = [m["url"] for m in ASSET.finditer(page) if not m["url"].startswith("data:")]
    scripts = ["/static/wall/graphql-ws.min.js", "/static/wall/wall.js"]
    assert assets == ["/static/wall/wall.css", *scripts]

    # wall.js imports its modules by relative path: those are served too.
    wall_js = (await client.get("/static/wall/wall.js")).text
    modules = re.findall(r"from '\./([\w.-]+\.js)'", wall_js)
    assert sorted(modules) == ["activities.js", "board.js", "labels.js", "render.js"]
    for url in [*assets, *(f"/static/wall/{m}" for m in modules)]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == TYPES[Path(url).suffix], url


async def test_the_vendored_client_matches_its_hash_its_version_and_carries_its_license(
    client: httpx.AsyncClient, centers: dict[str, DispatchCenter]
) -> None:
    page = (await client.get(f"/wall/{centers['city'].id}")).text
    tag = re.search(r'<script src="/static/wall/graphql-ws.min.js"[^>]*integrity="([^"]+)"', page)
    assert tag is not None
    served = (await client.get("/static/wall/graphql-ws.min.js")).content
    assert tag[1] == "sha384-" + base64.b64encode(hashlib.sha384(served).digest()).decode()

    lock = json.loads((REPO_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/graphql-ws"]["version"]
    versions = (await client.get("/static/wall/VERSIONS")).text
    assert f"graphql-ws@{locked} " in versions
    license_text = (await client.get("/static/wall/LICENSE.graphql-ws")).text
    assert license_text.startswith("MIT License")
    # The same bytes as the npm package the Node tests run, when it is installed.
    installed = REPO_ROOT / "node_modules" / "graphql-ws" / "umd" / "graphql-ws.min.js"
    if installed.exists():
        assert installed.read_bytes() == served


async def test_the_districts_outlines_are_served_as_geojson(client: httpx.AsyncClient) -> None:
    # given the reference data's districts, five of them with outlines
    huicheng = await District.get(code="HUICHENG")

    # when the wall's map asks for them
    response = await client.get("/wall/districts.geojson")

    # then they come as a FeatureCollection keyed by the districts' global ids
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in collection["features"]]
    assert sorted(codes) == ["BOLUO", "HUICHENG", "HUIDONG", "HUIYANG", "LONGMEN"]
    first = collection["features"][0]
    assert first["properties"]["id"] == to_base64("District", huicheng.id)
    assert first["geometry"]["type"] == "MultiPolygon"
