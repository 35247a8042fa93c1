"""Schemathesis over every query and mutation of the real server, as an anonymous caller, a
dispatcher and an administrator: no answer may be a 5xx or carry "Unexpected error." (the mask
over a bug). Bounded and derandomised, so that a run costs the same and finds the same each time;
the counts are logged (`-o log_cli=true -o log_cli_level=INFO` shows them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from graphql import GraphQLInterfaceType
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.schemas import APIOperation
from strawberry.relay import to_base64

from models.accounts import Role
from services import accounts
from tests.conftest import Backend
from tests.server import ServerProcess, running_server
from tests.support import make_user

pytestmark = pytest.mark.server

log = logging.getLogger("tests.fuzz")

# Examples per operation and viewer: 101 operations x 3 viewers x this, on each pair, keeps the
# whole run within about a minute per pair on a CI machine.
EXAMPLES = 3
PASSWORD = "correct-horse-9"
UNEXPECTED = "Unexpected error."

# The scalars schemathesis has no strategy for, with the values that broke the server before:
# not-a-number, infinities, absurd magnitudes and precision, and plain noise.
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999999999", "-0", "1" * 400]),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.text(max_size=20),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.sampled_from(
            ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-05-01T08:00:00"]
        ),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.text(max_size=20),
    ).map(nodes.String),
)
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))
# Strings as schemathesis makes them, and the hostile ones: NUL, far too long, stray dates.
schemathesis.graphql.scalar(
    "String",
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["\x00", "a\x00b", "x" * 20_000, "2026-05-01T08:00:00", "NaN"]),
    ).map(nodes.String),
)


def _register_ids(node_types: list[str]) -> None:
    """Global IDs of every node type, with numbers of real rows, and numbers no table holds."""
    numbers = st.one_of(
        st.integers(min_value=1, max_value=5).map(str),
        st.sampled_from([str(2**31), str(2**40), str(2**70), "-1", "abc", "²"]),
    )
    global_ids = st.builds(to_base64, st.sampled_from(node_types), numbers)
    schemathesis.graphql.scalar("ID", st.one_of(global_ids, st.text(max_size=12)).map(nodes.String))


@dataclass
class Tally:
    operations: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    with running_server(backend.settings) as running:
        yield running


def _fuzz(operation: APIOperation, headers: dict[str, str], tally: Tally, viewer: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        tally.requests += 1
        if response.status_code >= 500 or UNEXPECTED in response.text:
            sent = response.request.body or b""
            tally.failures.append(
                f"{viewer} {operation.label}: {response.status_code} {response.text[:200]!r}"
                f" for {sent[:300]!r}"
            )

    run()


def _run_all(server: ServerProcess, viewers: dict[str, dict[str, str]]) -> Tally:
    schema = schemathesis.graphql.from_url(server.graphql_url)
    node = schema.client_schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    _register_ids(sorted(t.name for t in schema.client_schema.get_implementations(node).objects))
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        for viewer, headers in viewers.items():
            _fuzz(operation, headers, tally, viewer)
    return tally


async def test_fuzzing_finds_no_server_error(server: ServerProcess) -> None:
    # given an anonymous caller, a dispatcher and an administrator
    await make_user("dispatcher", Role.DISPATCHER)
    await make_user("admin", Role.ADMIN)
    viewers: dict[str, dict[str, str]] = {"anonymous": {}}
    for username in ("dispatcher", "admin"):
        token = (await accounts.login(username, PASSWORD)).access_token
        viewers[username] = {"authorization": f"Bearer {token}"}

    # when schemathesis sends each of them generated queries and mutations of every operation
    tally = await asyncio.to_thread(_run_all, server, viewers)
    log.info(
        "fuzzing: %d operations, %d requests, %d failures",
        tally.operations,
        tally.requests,
        len(tally.failures),
    )

    # then every operation was tried and none answered with a server error
    assert tally.operations > 90
    assert not tally.failures, "\n".join(tally.failures[:40])
