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
    from models.dispatch import ServiceOrder, ServiceRecord
    from models.geography import Community, District
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


class FamilyRelation(str, Enum):
    SPOUSE = "SPOUSE"
    PARENT = "PARENT"
    CHILD = "CHILD"
    GRANDPARENT = "GRANDPARENT"
    GRANDCHILD = "GRANDCHILD"
    SIBLING = "SIBLING"
    OTHER_RELATIVE = "OTHER_RELATIVE"


class FamilyLinkStatus(str, Enum):
    # A relative with their own sign-in has not confirmed the link yet.
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REMOVED = "REMOVED"


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


class FamilyMember(Model):
    """A relative a volunteer registers with the bank: someone with their own sign-in, who
    confirms the link, or a named dependant (an elderly parent, a small child) the volunteer
    vouches for. Credits are given only to confirmed relatives, and service bought for one is
    requested at the address registered here."""

    id = fields.IntField(primary_key=True)
    holder: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="family_members", on_delete=fields.CASCADE
    )
    holder_id: int
    # Null for a dependant without an account.
    member_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="family_links", null=True, on_delete=fields.CASCADE
    )
    member_user_id: int | None
    # "user:<id>" or "name:<name>": one link per relative and holder, re-used on re-registering.
    member_key = fields.CharField(max_length=80)
    name = fields.CharField(max_length=64)
    relation = fields.CharEnumField(FamilyRelation, max_length=16)
    status = fields.CharEnumField(FamilyLinkStatus, max_length=16)
    address = fields.CharField(max_length=256)
    lat = fields.FloatField()
    lng = fields.FloatField()
    district: fields.ForeignKeyRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="time_family_members", on_delete=fields.RESTRICT
    )
    district_id: int
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="time_family_members", null=True, on_delete=fields.SET_NULL
    )
    community_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    confirmed_at = fields.DatetimeField(null=True)
    removed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "time_family_member"
        ordering = ["id"]
        unique_together = (("holder_id", "member_key"),)
        indexes = (("member_user_id", "status"),)


class OrderPayment(Model):
    """A service order bought with credits: the withdrawal that paid for it and, once the order
    is cancelled or expires unserved, its refund. At most one refund: the refund transfer's
    idempotency key is unique per order, and `refund_id` is set by a conditional update."""

    id = fields.IntField(primary_key=True)
    order: fields.OneToOneRelation[ServiceOrder] = fields.OneToOneField(
        "models.ServiceOrder", related_name="time_payment", on_delete=fields.RESTRICT
    )
    order_id: int
    # The payer's account, which a refund goes back to.
    account: fields.ForeignKeyRelation[TimeAccount] = fields.ForeignKeyField(
        "models.TimeAccount", related_name="order_payments", on_delete=fields.RESTRICT
    )
    account_id: int
    family_member: fields.ForeignKeyNullableRelation[FamilyMember] = fields.ForeignKeyField(
        "models.FamilyMember", related_name="order_payments", null=True, on_delete=fields.RESTRICT
    )
    family_member_id: int | None
    hours = fields.DecimalField(max_digits=6, decimal_places=2)
    withdrawal: fields.OneToOneRelation[Transfer] = fields.OneToOneField(
        "models.Transfer", related_name="paid_order", on_delete=fields.RESTRICT
    )
    withdrawal_id: int
    refund: fields.OneToOneNullableRelation[Transfer] = fields.OneToOneField(
        "models.Transfer", related_name="refunded_order", null=True, on_delete=fields.RESTRICT
    )
    refund_id: int | None
    refunded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "time_order_payment"
        ordering = ["id"]
