"""The community service bank (社区服务银行): a double-entry ledger of service time.

Every transfer writes two immutable movements that sum to zero. An account's balance is the sum
of its movements; the cached `balance` column is kept equal to it in the same transaction (and
`services.timebank.verify_ledger` proves it)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.dispatch import ServiceRecord
    from models.geography import Community
    from models.volunteers import Volunteer


class AccountKind(str, Enum):
    VOLUNTEER = "VOLUNTEER"
    COMMUNITY_POOL = "COMMUNITY_POOL"
    # The issuer: deposits for service come from it and withdrawals return to it, so its
    # balance is minus the credits in circulation.
    BANK = "BANK"


class TransferKind(str, Enum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    TRANSFER = "TRANSFER"
    DONATION = "DONATION"
    REFUND = "REFUND"


class TimeAccount(Model):
    """One account per volunteer, per community pool, and the one bank account."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    # "bank", "volunteer:<id>" or "community:<id>": unique, so opening on demand never doubles.
    owner_key = fields.CharField(max_length=32, unique=True)
    volunteer: fields.ForeignKeyNullableRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="time_accounts", null=True, on_delete=fields.RESTRICT
    )
    volunteer_id: int | None
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="time_accounts", null=True, on_delete=fields.RESTRICT
    )
    community_id: int | None
    balance = fields.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    # Null means unlimited, as for the bank, which issues every deposit.
    floor = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    cap = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "time_account"
        ordering = ["id"]


class Transfer(Model):
    """One movement of credits between two accounts, written once and never changed."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(TransferKind, max_length=16)
    # Scoped by the caller ("u<user id>:<client key>") or the source ("record:<id>").
    idempotency_key = fields.CharField(max_length=160, unique=True)
    # SHA-256 of the request, to tell a retry from a different request under the same key.
    request_hash = fields.CharField(max_length=64)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    memo = fields.CharField(max_length=200, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="time_transfers", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    # Set on deposits: the unique key makes a record deposit exactly once.
    service_record: fields.OneToOneNullableRelation[ServiceRecord] = fields.OneToOneField(
        "models.ServiceRecord", related_name="time_deposit", null=True, on_delete=fields.RESTRICT
    )
    service_record_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "time_transfer"
        ordering = ["id"]


class Movement(Model):
    """One side of a transfer: signed amount on one account. Never updated or deleted."""

    id = fields.IntField(primary_key=True)
    transfer: fields.ForeignKeyRelation[Transfer] = fields.ForeignKeyField(
        "models.Transfer", related_name="movements", on_delete=fields.RESTRICT
    )
    transfer_id: int
    account: fields.ForeignKeyRelation[TimeAccount] = fields.ForeignKeyField(
        "models.TimeAccount", related_name="movements", on_delete=fields.RESTRICT
    )
    account_id: int
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    # The transfer's time, copied so a statement is one indexed range scan of one table.
    created_at = fields.DatetimeField()

    class Meta:
        table = "time_movement"
        ordering = ["id"]
        indexes = (("account_id", "created_at", "id"),)
