from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay

from models.timebank import Transfer
from schema.context import Info
from schema.errors import attempt, problem, require_user
from schema.relay import decode_id
from schema.timebank.types import TimeBankError, TimeTransfer, TimeTransferPayload
from services import timebank
from services.errors import Problem
from services.timebank import TimeBankErrorCode

KEY_DESCRIPTION = (
    "Your unique key for this request (1-100 characters): a retry with the same key and input "
    "returns the first transfer and moves nothing more; other input is IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(description="Give credits to another volunteer, e.g. a family member.")
class TransferTimeInput:
    to: relay.GlobalID = strawberry.field(
        description="The recipient: a Volunteer ID, or the ID of their TimeAccount."
    )
    amount: Decimal = strawberry.field(description="Credits, more than 0, two decimals at most.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="A note (≤200).")


@strawberry.input(description="Give credits to a community's pool.")
class DonateTimeInput:
    community: relay.GlobalID = strawberry.field(description="The community.")
    amount: Decimal = strawberry.field(description="Credits, more than 0, two decimals at most.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="A note (≤200).")


@strawberry.input(description="Spend credits on service, from the required star level.")
class SpendTimeInput:
    amount: Decimal = strawberry.field(description="Credits, more than 0, two decimals at most.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="What the credits pay for (≤200).")


def _payload(row: Transfer | None, problems: list[Problem]) -> TimeTransferPayload:
    return TimeTransferPayload(
        transfer=TimeTransfer.from_model(row) if row else None,
        errors=[TimeBankError(code=p.code, message=p.message, field=p.field) for p in problems],
    )


async def _recipient_account(to: relay.GlobalID) -> int | None:
    if to.type_name == "Volunteer":
        volunteer_id = decode_id(to, "Volunteer")
        if volunteer_id is None:
            return None
        account, _ = await attempt(timebank.volunteer_account(volunteer_id))
        return account.id if account else None
    return decode_id(to, "TimeAccount")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Give credits from your time account to another volunteer's. Refused "
        "(and nothing moves) below your floor or above their cap."
    )
    async def transfer_time(self, info: Info, input: TransferTimeInput) -> TimeTransferPayload:
        principal = info.context.principal
        require_user(principal)
        to_id = await _recipient_account(input.to)
        if to_id is None:
            return _payload(
                None, problem(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "to")
            )
        call = timebank.transfer(
            principal, None, to_id, input.amount, input.idempotency_key, input.memo
        )
        return _payload(*await attempt(call))

    @strawberry.mutation(description="Donate credits from your time account to a community pool.")
    async def donate_time(self, info: Info, input: DonateTimeInput) -> TimeTransferPayload:
        principal = info.context.principal
        require_user(principal)
        community_id = decode_id(input.community, "Community")
        if community_id is None:
            return _payload(
                None,
                problem(TimeBankErrorCode.COMMUNITY_NOT_FOUND, "No such community.", "community"),
            )
        call = timebank.donate(
            principal, input.amount, community_id, input.idempotency_key, input.memo
        )
        return _payload(*await attempt(call))

    @strawberry.mutation(
        description="Spend credits from your time account on service (a withdrawal to the "
        "bank), from the configured star level (default 1★)."
    )
    async def spend_time(self, info: Info, input: SpendTimeInput) -> TimeTransferPayload:
        principal = info.context.principal
        require_user(principal)
        call = timebank.spend(principal, input.amount, input.idempotency_key, input.memo)
        return _payload(*await attempt(call))
