"""GraphiQL at GET /graphql, served by the app alone: the city's networks have no internet access.

The page and its vendored assets (api/static/graphiql/, written by scripts/vendor-graphiql.sh) are
checked over HTTP against the real server, and then in a real headless Chromium that may resolve
no host but 127.0.0.1, which proves the scripts run offline."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.conftest import Backend
from tests.server import REPO_ROOT, ServerProcess, running_server

pytestmark = pytest.mark.server

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
BROWSER_TIMEOUT = 60.0
ARTIFACTS = REPO_ROOT / "test-artifacts"
ASSET = re.compile(r"""(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>[^"]+)\"""")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    with running_server(backend.settings) as running:
        yield running


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http


async def graphiql_page(client: httpx.AsyncClient) -> str:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


async def test_the_page_references_the_vendored_assets(client: httpx.AsyncClient) -> None:
    page = await graphiql_page(client)

    assets = sorted(m["url"] for m in ASSET.finditer(page))

    assert assets == [
        "static/graphiql/graphiql.min.css",
        "static/graphiql/graphiql.min.js",
        "static/graphiql/react-dom.production.min.js",
        "static/graphiql/react.production.min.js",
    ]
    # Every script of the page is either one of those or inline.
    assert len(re.findall(r"<script\b", page)) == 4


async def test_every_asset_of_the_page_is_served_with_its_type_and_hash(
    client: httpx.AsyncClient, server: ServerProcess
) -> None:
    page = await graphiql_page(client)

    for asset in ASSET.finditer(page):
        # Resolved as the browser does: relative to the page's own URL.
        response = await client.get(urljoin(server.graphql_url, asset["url"]))
        assert response.status_code == 200, asset["url"]
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type == CONTENT_TYPES[Path(asset["url"]).suffix], asset["url"]
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert asset["integrity"] == f"sha384-{digest}", asset["url"]


async def test_the_licenses_of_the_vendored_assets_are_served_with_them(
    client: httpx.AsyncClient,
) -> None:
    for package in ("graphiql", "react", "react-dom"):
        response = await client.get(f"/static/graphiql/LICENSE.{package}")
        assert response.status_code == 200
        assert response.text.startswith("MIT License")


async def test_a_missing_static_file_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/static/graphiql/nothing.js")).status_code == 404
    assert (await client.get("/static/../api/app.py")).status_code == 404


async def test_the_default_query_of_the_page_runs_without_logging_in(
    client: httpx.AsyncClient,
) -> None:
    page = await graphiql_page(client)
    query = re.search(r"const DEFAULT_QUERY = `(?P<query>[^`]+)`", page, re.S)
    assert query is not None

    response = await client.post("/graphql", json={"query": query["query"]})

    body = response.json()
    assert "errors" not in body
    assert len(body["data"]["districts"]) == 7
    assert body["data"]["organizations"]["totalCount"] >= len(
        body["data"]["organizations"]["nodes"]
    )


def run_chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Chromium in its own process group, killed whole when it overruns its time."""
    with tempfile.TemporaryDirectory(prefix="vc-chromium-") as profile:
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # Any host but the server's fails to resolve: an asset from elsewhere cannot load.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--window-size=1400,900",
            *arguments,
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
            pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT:.0f}s")
        finally:
            # Its zygote and renderers may outlive the browser process itself.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


def test_graphiql_renders_offline_in_a_headless_browser(
    chromium: Path, server: ServerProcess, backend: Backend
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"graphiql-{backend.name}.png"
    screenshot.unlink(missing_ok=True)
    mark = len(server.log_text())

    shot = run_chromium(f"--screenshot={screenshot}", server.graphql_url)
    dom = run_chromium("--dump-dom", server.graphql_url)

    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # React replaced the placeholder with GraphiQL, whose query editor holds the default query.
    assert 'id="graphiql"' in html
    assert "Loading..." not in html
    assert re.search(r'class="[^"]*\bgraphiql-container\b', html)
    editor = html.split('class="graphiql-query-editor"', 1)
    assert len(editor) == 2, "no query editor in the rendered page"
    assert "organizations" in editor[1]
    # ...and its fetcher asked the server for the schema (the introspection query).
    requests = server.log_text()[mark:]
    assert re.search(r'"POST /graphql HTTP/1\.1" 200', requests), requests
    assert '"GET /static/graphiql/graphiql.min.js HTTP/1.1" 200' in requests
