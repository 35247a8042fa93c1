"""Refunds of orders bought with credits, called by dispatch inside the transaction that
cancels an order or expires it unserved. Dispatch imports this module directly (not the
`services.timebank` facade, which imports dispatch's order submission for spending)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from models.dispatch import ServiceOrder
from models.timebank import OrderPayment, Transfer, TransferKind
from services.common.errors import DomainError
from services.timebank.accounts import bank_account
from services.timebank.errors import TimeBankErrorCode
from services.timebank.ledger import Request, locked, write
from subscriptions.events import EventTransaction


def refund_key(order_id: int) -> str:
    return f"refund:order:{order_id}"


async def refund_if_paid(
    tx: EventTransaction, order: ServiceOrder, actor_id: int | None
) -> Transfer | None:
    """Gives the payer back what the order cost, once: the payment row is locked, a refund
    already made is returned as it is, and the refund's key is unique per order, so a retried
    or concurrent cancellation cannot pay twice. As with deposits, what would lift the payer
    above their cap is not credited (the payment still counts as refunded). None for an order
    not bought with credits, or a refund that credited nothing."""
    payment = await OrderPayment.filter(order_id=order.id).select_for_update().first()
    if payment is None:
        return None
    if payment.refunded_at is not None:
        return await Transfer.get_or_none(id=payment.refund_id or 0)
    withdrawal = await Transfer.get(id=payment.withdrawal_id)
    bank = await bank_account()
    source, target = await locked(bank.id, payment.account_id)
    amount = withdrawal.amount
    if target.cap is not None:
        amount = min(amount, max(target.cap - target.balance, Decimal(0)))
    refund = None
    if amount > 0:
        request = Request(
            TransferKind.REFUND, source.id, target.id, amount, f"refund for order {order.id}"
        )
        refund = await write(tx, request, source, target, refund_key(order.id), actor_id)
    changed = await OrderPayment.filter(id=payment.id, refunded_at=None).update(
        refund_id=refund.id if refund else None, refunded_at=datetime.now(UTC)
    )
    if not changed:
        # Unreachable under the row lock; on a database without one it rolls this back.
        raise DomainError(TimeBankErrorCode.ALREADY_REFUNDED, "The order was refunded already.")
    return refund
