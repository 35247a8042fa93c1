"""Helpers shared by the tests: running GraphQL in-process, counting SQL, making people."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from strawberry.types import ExecutionResult

from models.accounts import Role, User
from models.geography import District
from schema.core.context import Context
from schema.root import build_schema
from services import accounts, organizations, volunteers
from services.common.identity import make_id_number
from services.common.principal import ANONYMOUS, Principal

SCHEMA = build_schema()


async def gql(
    document: str, variables: dict[str, Any] | None = None, principal: Principal = ANONYMOUS
) -> ExecutionResult:
    return await SCHEMA.execute(
        document, variable_values=variables, context_value=Context(principal=principal)
    )


async def data_of(
    document: str, variables: dict[str, Any] | None = None, principal: Principal = ANONYMOUS
) -> dict[str, Any]:
    result = await gql(document, variables, principal)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def error_codes(result: ExecutionResult) -> list[str]:
    return [str((e.extensions or {}).get("code")) for e in result.errors or []]


@dataclass
class StatementCounter(logging.Handler):
    statements: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            self.statements.append(message)

    def __hash__(self) -> int:
        return id(self)


@contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """Counts the SQL statements Tortoise sends while the block runs."""
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


class DatabaseServer:
    """Creates and drops a throwaway database on the PostgreSQL server of a URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def url_for(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))

    async def _admin(self) -> asyncpg.Connection:
        dsn = self.url_for("postgres").replace("postgres://", "postgresql://", 1)
        return await asyncpg.connect(dsn, timeout=5)

    async def create(self, name: str) -> None:
        connection = await self._admin()
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    async def drop(self, name: str) -> None:
        connection = await self._admin()
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


_sequence = iter(range(1, 10_000_000))


def new_id_number(born: str = "1990-05-17") -> str:
    from datetime import date

    return make_id_number("441302", date.fromisoformat(born), next(_sequence))


async def make_user(username: str, *roles: Role) -> tuple[User, Principal]:
    user = await accounts.create_user(username, "correct-horse-9", username, list(roles) or None)
    return user, accounts.principal_for(user)


async def huicheng() -> District:
    return await District.get(code="HUICHENG")


async def make_volunteer(username: str, **overrides: Any) -> tuple[User, Principal, int]:
    """A signed-in resident registered as a volunteer; returns the refreshed principal."""
    user, principal = await make_user(username)
    district = await huicheng()
    data = volunteers.Registration(
        real_name=overrides.pop("real_name", "陈志愿"),
        id_number=overrides.pop("id_number", new_id_number()),
        phone=overrides.pop("phone", "13800138000"),
        district_id=district.id,
        **overrides,
    )
    volunteer = await volunteers.register(principal, data)
    await user.refresh_from_db()
    return user, accounts.principal_for(user), volunteer.id


async def make_organization(founder: Principal, name: str = "惠城区红马甲志愿服务队") -> int:
    from models.organizations import OrganizationCategory

    district = await huicheng()
    organization = await organizations.create(
        founder,
        organizations.NewOrganization(
            name=name, category=OrganizationCategory.COMMUNITY, district_id=district.id
        ),
    )
    return organization.id
