from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models.timebank import (
    AccountKind,
    OrderPayment,
    TimeAccount,
    Transfer,
    TransferKind,
)
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from schema.core.scalars import hundredths
from schema.geography.loaders import COMMUNITY
from schema.geography.types import CommunityType
from schema.timebank.family_types import FamilyMemberType
from schema.timebank.loaders import FAMILY_MEMBER, ORDER_OF_TRANSFER, TIME_TRANSFER
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services import timebank
from services.common import lookups
from services.timebank.errors import TimeBankErrorCode

if TYPE_CHECKING:
    from schema.dispatch.types import OrderType

strawberry.enum(
    AccountKind, description="Whose account: a volunteer's, a community pool, or the bank."
)
strawberry.enum(TransferKind, description="Why credits moved.")
strawberry.enum(TimeBankErrorCode, description="Why a time-bank request failed.")


def credits(value: Any) -> Decimal:
    return hundredths(value)


@strawberry.type(
    name="TimeAccount",
    description="An account of the community service bank (社区服务银行), in credits "
    "(1 confirmed hour = CREDITS_PER_HOUR credits). Visible to its holder and administrators.",
)
class TimeAccountType(relay.Node):
    id: relay.NodeID[int]
    kind: AccountKind = strawberry.field(description="Whose account it is.")
    balance: Decimal = strawberry.field(description="Credits held, two decimals.")
    floor: Decimal | None = strawberry.field(
        description="The balance never goes below this; null for no limit."
    )
    cap: Decimal | None = strawberry.field(
        description="The balance never goes above this; null for no limit."
    )
    row: strawberry.Private[TimeAccount]

    @classmethod
    def from_model(cls, row: TimeAccount) -> TimeAccountType:
        return cls(
            id=row.id,
            kind=row.kind,
            balance=credits(row.balance),
            floor=None if row.floor is None else credits(row.floor),
            cap=None if row.cap is None else credits(row.cap),
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await lookups.by_ids(TimeAccount, database_ids(node_ids))
        principal = info.context.principal
        return [
            cls.from_model(r) if r and await timebank.may_view(principal, r) else None for r in rows
        ]

    @strawberry.field(description="The volunteer holding it; null for pools and the bank.")
    async def volunteer(self, info: Info) -> VolunteerType | None:
        if self.row.volunteer_id is None:
            return None
        row = await VOLUNTEER.load(info, self.row.volunteer_id)
        return VolunteerType.from_model(row) if row else None

    @strawberry.field(description="The community whose pool it is; null otherwise.")
    async def community(self, info: Info) -> CommunityType | None:
        if self.row.community_id is None:
            return None
        row = await COMMUNITY.load(info, self.row.community_id)
        return CommunityType.from_model(row) if row else None


@strawberry.type(
    name="TimeTransfer",
    description="Credits moved from one account to another, written once. Visible to the "
    "holders of its two accounts and to staff (dispatchers, administrators).",
)
class TimeTransfer(relay.Node):
    id: relay.NodeID[int]
    kind: TransferKind = strawberry.field(description="Why credits moved.")
    amount: Decimal = strawberry.field(description="Credits moved, positive, two decimals.")
    memo: str = strawberry.field(description="The sender's note.")
    created_at: datetime = strawberry.field(description="When it was booked.")

    @classmethod
    def from_model(cls, row: Transfer) -> TimeTransfer:
        return cls(
            id=row.id,
            kind=row.kind,
            amount=credits(row.amount),
            memo=row.memo,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        visible = await timebank.visible_transfers(info.context.principal, ids)
        return [cls.from_model(visible[i]) if i in visible else None for i in ids]

    @strawberry.field(
        description="The service order this withdrawal paid for, or this refund gave back; "
        "null for other transfers."
    )
    async def order(
        self, info: Info
    ) -> Annotated[OrderType, strawberry.lazy("schema.dispatch.types")] | None:
        from schema.dispatch.types import OrderType

        row = await ORDER_OF_TRANSFER.load(info, self.id)
        return OrderType.from_model(row) if row else None


@strawberry.type(description="One booking on a statement.")
class StatementLine:
    booked_at: datetime = strawberry.field(description="When it was booked.")
    transfer: TimeTransfer = strawberry.field(description="The transfer it belongs to.")
    amount: Decimal = strawberry.field(description="Signed: negative when credits left.")
    balance: Decimal = strawberry.field(description="The balance right after this booking.")


@strawberry.type(description="An account's bookings in a period, with running balance.")
class TimeStatement:
    account: TimeAccountType = strawberry.field(description="The account.")
    start: datetime = strawberry.field(name="from", description="Start of the period (inclusive).")
    end: datetime = strawberry.field(name="to", description="End of the period (exclusive).")
    opening_balance: Decimal = strawberry.field(description="Balance before the period.")
    closing_balance: Decimal = strawberry.field(description="Balance after the last booking.")
    lines: list[StatementLine] = strawberry.field(description="Bookings, oldest first.")
    found: strawberry.Private[timebank.Statement]

    @strawberry.field(
        description="The same statement as CSV (RFC 4180, UTF-8): an OPENING row, one row per "
        "booking, a CLOSING row. Memos that a spreadsheet would run as formulas are quoted."
    )
    def csv(self) -> str:
        return timebank.statement_csv(self.found)

    @classmethod
    def from_statement(cls, found: timebank.Statement) -> TimeStatement:
        return cls(
            account=TimeAccountType.from_model(found.account),
            start=found.start,
            end=found.end,
            opening_balance=credits(found.opening_balance),
            closing_balance=credits(found.closing_balance),
            lines=[
                StatementLine(
                    booked_at=line.movement.created_at,
                    transfer=TimeTransfer.from_model(line.transfer),
                    amount=credits(line.movement.amount),
                    balance=credits(line.balance),
                )
                for line in found.lines
            ],
            found=found,
        )


@strawberry.type(description="A problem with a time-bank request.")
class TimeBankError(DomainErrorType[TimeBankErrorCode]):
    pass


@payload_type(description="The transfer made (or replayed for a repeated key), or why not.")
class TimeTransferPayload(Payload[TimeBankError]):
    transfer: TimeTransfer | None = strawberry.field(default=None, description="Null on errors.")


@strawberry.type(
    name="TimeBankPayment",
    description="A service order bought with time-bank credits, and its refund if the order "
    "was cancelled or expired unserved.",
)
class OrderPaymentType:
    hours: Decimal = strawberry.field(description="Hours of service paid for, per volunteer.")
    refunded_at: datetime | None = strawberry.field(description="When it was refunded.")
    row: strawberry.Private[OrderPayment]

    @classmethod
    def from_model(cls, row: OrderPayment) -> OrderPaymentType:
        return cls(hours=credits(row.hours), refunded_at=row.refunded_at, row=row)

    @strawberry.field(description="The withdrawal that paid for the order.")
    async def withdrawal(self, info: Info) -> TimeTransfer:
        row = await TIME_TRANSFER.load(info, self.row.withdrawal_id)
        assert row is not None
        return TimeTransfer.from_model(row)

    @strawberry.field(
        description="The refund; null before one, and when the payer's cap left no room for it."
    )
    async def refund(self, info: Info) -> TimeTransfer | None:
        if self.row.refund_id is None:
            return None
        row = await TIME_TRANSFER.load(info, self.row.refund_id)
        return TimeTransfer.from_model(row) if row else None

    @strawberry.field(description="The relative served; null when the payer is.")
    async def family_member(self, info: Info) -> FamilyMemberType | None:
        if self.row.family_member_id is None:
            return None
        row = await FAMILY_MEMBER.load(info, self.row.family_member_id)
        return FamilyMemberType.from_model(row) if row else None


@payload_type(description="The credits spent and the order they bought, or why not.")
class SpendTimePayload(Payload[TimeBankError]):
    transfer: TimeTransfer | None = strawberry.field(
        default=None, description="The withdrawal; null on errors."
    )
    order: Annotated[OrderType, strawberry.lazy("schema.dispatch.types")] | None = strawberry.field(
        default=None, description="The service order submitted; null on errors."
    )


@payload_type(description="The family member after the change, or why nothing changed.")
class FamilyMemberPayload(Payload[TimeBankError]):
    family_member: FamilyMemberType | None = strawberry.field(
        default=None, description="Null on errors."
    )
