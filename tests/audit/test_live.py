"""The administration against the real server: every administrative query and mutation is
refused to a signed-in non-administrator over HTTP and over WebSocket alike (before any input is
looked at, so made-up IDs do), and an administrator's change over HTTP is in the log with the
request's X-Request-ID."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from strawberry import relay

from models.accounts import Role
from models.audit import AuditEntry
from models.geography import District
from services import accounts
from tests.conftest import Backend
from tests.server import ServerProcess, running_server
from tests.support import make_user
from tests.ws_client import authenticated

pytestmark = pytest.mark.server


def _id(kind: str) -> str:
    return str(relay.GlobalID(kind, "1"))


def _mutation(field: str, input_type: str) -> str:
    return f"mutation($i: {input_type}!) {{ {field}(input: $i) {{ errors {{ code }} }} }}"


# (document, variables) of every administrative field; IDs need not exist: refusal comes first.
OPERATIONS: list[tuple[str, dict[str, object]]] = [
    ("{ auditLog { totalCount } }", {}),
    (
        _mutation("createDispatchCenter", "CreateDispatchCenterInput"),
        {"i": {"name": "x", "level": "STREET"}},
    ),
    (
        _mutation("updateDispatchCenter", "UpdateDispatchCenterInput"),
        {"i": {"dispatchCenter": _id("DispatchCenter"), "autoAssign": False}},
    ),
    (
        _mutation("updateDistrict", "UpdateDistrictInput"),
        {"i": {"district": _id("District"), "population": 1}},
    ),
    (
        _mutation("createCommunity", "CreateCommunityInput"),
        {
            "i": {
                "district": _id("District"),
                "name": "x",
                "population": 1,
                "center": {"lat": 23.1, "lng": 114.4},
            }
        },
    ),
    (
        _mutation("updateCommunity", "UpdateCommunityInput"),
        {"i": {"community": _id("Community"), "population": 1}},
    ),
    (
        _mutation("createCivicCategory", "CreateCivicCategoryInput"),
        {"i": {"code": "X_Y", "nameZh": "x", "nameEn": "x", "department": "x", "deadlineHours": 1}},
    ),
    (
        _mutation("updateCivicCategory", "UpdateCivicCategoryInput"),
        {"i": {"category": _id("CivicCategory"), "active": False}},
    ),
    (
        _mutation("updateBenefitProvider", "UpdateBenefitProviderInput"),
        {"i": {"provider": _id("BenefitProvider"), "name": "x"}},
    ),
    (
        _mutation("updateInsurancePolicy", "UpdateInsurancePolicyInput"),
        {"i": {"policy": _id("InsurancePolicy"), "insurer": "x"}},
    ),
    (
        _mutation("updateStation", "UpdateStationInput"),
        {"i": {"station": _id("Station"), "name": "xx"}},
    ),
    (
        _mutation("verifyOrganization", "VerifyOrganizationInput"),
        {"i": {"organization": _id("Organization"), "verified": False, "reason": "x"}},
    ),
]


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    with running_server(backend.settings) as running:
        yield running


async def _token(username: str) -> str:
    return (await accounts.login(username, "correct-horse-9")).access_token


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ORG_ADMIN, Role.RESIDENT])
async def test_a_non_administrator_is_refused_over_http_and_websocket(
    server: ServerProcess, role: Role
) -> None:
    await make_user("someone", role)
    token = await _token("someone")

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for document, variables in OPERATIONS:
            response = await http.post(
                "/graphql",
                json={"query": document, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
            codes = [e["extensions"]["code"] for e in response.json()["errors"]]
            assert codes == ["NOT_PERMITTED"], (document, response.text)

    async with authenticated(server.ws_url, token) as ws:
        for number, (document, variables) in enumerate(OPERATIONS):
            await ws.subscribe(str(number), document, variables)
            message = await ws.receive()
            assert message["type"] == "next", (document, message)
            codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
            assert codes == ["NOT_PERMITTED"], (document, message)
            assert (await ws.receive())["type"] == "complete"

    assert await AuditEntry.all().count() == 0


async def test_an_administrators_change_over_http_carries_the_request_id(
    server: ServerProcess,
) -> None:
    await make_user("city.admin", Role.ADMIN)
    huicheng = await District.get(code="HUICHENG")
    document, _ = OPERATIONS[3]
    variables = {
        "i": {"district": str(relay.GlobalID("District", str(huicheng.id))), "population": 5}
    }

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={
                "authorization": f"Bearer {await _token('city.admin')}",
                "x-request-id": "admin-change-1",
            },
        )

    assert response.json()["data"]["updateDistrict"]["errors"] == []
    entry = await AuditEntry.get(object_type="District", object_id=huicheng.id)
    assert (entry.request_id, entry.actor_label) == ("admin-change-1", "city.admin")
