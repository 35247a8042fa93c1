from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models.timebank import TimeAccount
from schema.core.context import Info
from schema.core.errors import access_error, query_input_error
from schema.core.permissions import requires
from schema.core.relay import id_of
from schema.timebank.family_types import FamilyMemberType
from schema.timebank.types import TimeAccountType, TimeStatement
from services import timebank
from services.common.errors import AccessError, DomainError


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in volunteer's time account, opened on first use; null for "
        "someone who is not a registered volunteer.",
        extensions=[requires()],
    )
    async def my_time_account(self, info: Info) -> TimeAccountType | None:
        try:
            account = await timebank.my_account(info.context.principal)
        except DomainError:
            return None
        return TimeAccountType.from_model(account)

    @strawberry.field(
        description="Family links you registered, and those that name you (confirm them with "
        "confirmFamilyMember); removed ones are left out.",
        extensions=[requires()],
    )
    async def my_family_members(self, info: Info) -> list[FamilyMemberType]:
        rows = await timebank.family_links_of(info.context.principal)
        return [FamilyMemberType.from_model(r) for r in rows]

    @strawberry.field(
        description="A time account by ID: its holder's or, for admins, any.",
        extensions=[requires()],
    )
    async def time_account(self, info: Info, id: relay.GlobalID) -> TimeAccountType | None:
        row = await TimeAccount.get_or_none(id=id_of(id, "TimeAccount", "Query.timeAccount(id:)"))
        if row is None or not await timebank.may_view(info.context.principal, row):
            return None
        return TimeAccountType.from_model(row)

    @strawberry.field(
        description="Bookings of an account in [from, to) with the opening and running "
        "balance; at most 366 days. The holder or an administrator. Bad arguments are "
        "top-level errors coded ACCOUNT_NOT_FOUND or INVALID_PERIOD.",
        extensions=[requires()],
    )
    async def time_statement(
        self,
        info: Info,
        account: relay.GlobalID,
        start: Annotated[datetime, strawberry.argument(name="from", description="Inclusive.")],
        end: Annotated[datetime, strawberry.argument(name="to", description="Exclusive.")],
    ) -> TimeStatement:
        account_id = id_of(account, "TimeAccount", "Query.timeStatement(account:)")
        try:
            found = await timebank.statement(info.context.principal, account_id, start, end)
        except DomainError as error:
            raise query_input_error(error) from error
        except AccessError as error:
            raise access_error(error) from error
        return TimeStatement.from_statement(found)
