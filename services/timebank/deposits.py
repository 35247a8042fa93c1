"""Deposits: a confirmed service record credits its volunteer, exactly once."""

from __future__ import annotations

from decimal import Decimal

from models.dispatch import ServiceRecord
from models.timebank import Transfer, TransferKind
from services.timebank.accounts import bank_account, volunteer_account
from services.timebank.ledger import Request, locked, write
from services.timebank.rules import credits_for
from subscriptions.events import EventTransaction


async def deposit_for_record(
    tx: EventTransaction, record: ServiceRecord, hours: Decimal, confirmed_by: int | None
) -> Transfer | None:
    """Inside the transaction that confirms `record`: credits the volunteer for its hours,
    once (the record is unique among deposits). What would lift the balance above the cap is
    not credited; the hours still count towards the star level. None if nothing was credited."""
    existing = await Transfer.get_or_none(service_record_id=record.id)
    if existing is not None:
        return existing
    target = await volunteer_account(record.volunteer_id)
    bank = await bank_account()
    source, target = await locked(bank.id, target.id)
    amount = credits_for(hours)
    if target.cap is not None:
        amount = min(amount, max(target.cap - target.balance, Decimal(0)))
    if amount <= 0:
        return None
    request = Request(
        TransferKind.DEPOSIT, source.id, target.id, amount, f"service record {record.id}"
    )
    return await write(tx, request, source, target, f"record:{record.id}", confirmed_by, record.id)
