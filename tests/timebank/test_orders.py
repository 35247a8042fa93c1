"""Spending credits buys a service order paid by the bank; cancelling or expiry refunds it
exactly once, in the same transaction. Services first, then the schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.dispatch import OrderStatus, ServiceOrder
from models.events import Event
from models.timebank import OrderPayment, Transfer, TransferKind
from models.volunteers import Volunteer
from services import timebank
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch import escalation, orders
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.support import count_statements, data_of, error_codes, gql, make_user, make_volunteer
from tests.timebank.test_timebank import balance, fails, fund, ledger_snapshot, purchase


async def spender(username: str = "alice", credits: str = "20") -> tuple[Principal, int, int]:
    """A 1★ volunteer (100 confirmed hours) with `credits` in the bank, and the centres."""
    await make_centers()
    _, principal, volunteer_id = await make_volunteer(username)
    await Volunteer.filter(id=volunteer_id).update(total_hours=Decimal(100))
    account = await fund(volunteer_id, credits)
    return principal, volunteer_id, account.id


async def test_spending_submits_an_order_paid_by_the_bank() -> None:
    alice, _, account_id = await spender()
    # Event ids never go back between tests (tests/conftest.py): start from the last one.
    latest = await Event.all().order_by("-id").first()
    events_before = latest.id if latest else 0

    spent = await timebank.spend(alice, await purchase("s1", hours="2.5", volunteers_needed=2))

    # The price: 2.5 h x 2 volunteers x 1 credit an hour.
    assert spent.transfer.kind == TransferKind.WITHDRAWAL
    assert spent.transfer.amount == Decimal("5.00")
    assert await balance(account_id) == Decimal("15.00")
    order = await ServiceOrder.get(id=spent.order.id)
    assert order.status == OrderStatus.SUBMITTED and order.volunteers_needed == 2
    assert order.requester_id == alice.user_id
    payment = await OrderPayment.get(order_id=order.id)
    assert (payment.withdrawal_id, payment.account_id) == (spent.transfer.id, account_id)
    assert payment.hours == Decimal("2.5") and payment.refunded_at is None
    # Both events in the same transaction: the transfer and the submission.
    types = [e.type for e in await Event.filter(id__gt=events_before).order_by("id")]
    assert types == ["TIME_TRANSFERRED", "ORDER_SUBMITTED"]
    assert (await timebank.verify_ledger()).ok


async def test_a_retried_spend_returns_the_first_order_and_another_request_is_refused() -> None:
    alice, _, account_id = await spender()
    bought = await purchase("s1")
    first = await timebank.spend(alice, bought)
    again = await timebank.spend(alice, bought)
    assert (again.transfer.id, again.order.id) == (first.transfer.id, first.order.id)
    assert await ServiceOrder.all().count() == 1 and await balance(account_id) == Decimal(18)

    other = await purchase("s1", description="Something else entirely")
    assert await fails(timebank.spend(alice, other)) == "IDEMPOTENCY_KEY_REUSED"
    # Concurrent retries of a fresh key: one order, one withdrawal.
    fresh = await purchase("s2")
    results = await asyncio.gather(*(timebank.spend(alice, fresh) for _ in range(5)))
    assert len({r.order.id for r in results}) == 1
    assert await ServiceOrder.all().count() == 2 and await balance(account_id) == Decimal(16)


async def test_every_spending_rule_is_coded_and_creates_nothing() -> None:
    alice, alice_id, _ = await spender(credits="3")
    before = await ledger_snapshot(), await ServiceOrder.all().count()

    assert await fails(timebank.spend(alice, await purchase("k", hours="4"))) == "BELOW_FLOOR"
    assert await fails(timebank.spend(alice, await purchase("k", hours="0"))) == "INVALID_HOURS"
    assert await fails(timebank.spend(alice, await purchase("k", hours="7"))) == "INVALID_HOURS"
    assert await fails(timebank.spend(alice, await purchase("k", place=None))) == "PLACE_REQUIRED"
    with pytest.raises(DomainError) as caught:
        await timebank.spend(
            alice, await purchase("", hours="0.001", description="", volunteers_needed=0)
        )
    assert [(p.code.value, p.field) for p in caught.value.problems] == [
        ("INVALID_HOURS", "hours"),
        ("INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
        ("INVALID_DESCRIPTION", "description"),
        ("INVALID_VOLUNTEER_COUNT", "volunteersNeeded"),
    ]
    past = datetime.now(UTC) - timedelta(hours=8)
    late = await purchase("k", window_start=past, window_end=past + timedelta(hours=6))
    assert await fails(timebank.spend(alice, late)) == "INVALID_WINDOW"
    assert await fails(timebank.spend(alice, await purchase("k", family_member_id=999))) in (
        "FAMILY_MEMBER_NOT_FOUND",
        "PLACE_NOT_ALLOWED",
    )
    await Volunteer.filter(id=alice_id).update(total_hours=Decimal(99))
    assert await fails(timebank.spend(alice, await purchase("k"))) == "STAR_LEVEL_TOO_LOW"
    assert (await ledger_snapshot(), await ServiceOrder.all().count()) == before


async def test_a_failure_half_way_leaves_no_order_no_transfer_and_no_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, _, account_id = await spender()
    before = await ledger_snapshot(), await ServiceOrder.all().count(), await Event.all().count()

    async def broken(**values: Any) -> OrderPayment:
        raise RuntimeError("the database went away after the order was written")

    monkeypatch.setattr(OrderPayment, "create", broken)
    with pytest.raises(RuntimeError):
        await timebank.spend(alice, await purchase("s1"))
    monkeypatch.undo()

    after = await ledger_snapshot(), await ServiceOrder.all().count(), await Event.all().count()
    assert after == before
    # The key is free again: the retry goes through.
    await timebank.spend(alice, await purchase("s1"))
    assert await balance(account_id) == Decimal(18)


async def test_cancelling_refunds_once_even_when_retried() -> None:
    alice, _, account_id = await spender()
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    spent = await timebank.spend(alice, await purchase("s1", hours="3"))
    assert await balance(account_id) == Decimal(17)

    await orders.cancel(alice, spent.order.id, "no longer needed")

    assert await balance(account_id) == Decimal(20)
    payment = await OrderPayment.get(order_id=spent.order.id)
    refund = await Transfer.get(id=payment.refund_id)
    assert refund.kind == TransferKind.REFUND and refund.amount == Decimal(3)
    assert payment.refunded_at is not None
    # A retried cancel (by the requester or a dispatcher) is refused and pays nothing more.
    assert await fails(orders.cancel(alice, spent.order.id)) == "ILLEGAL_TRANSITION"
    assert await fails(orders.cancel(dispatcher, spent.order.id)) == "ILLEGAL_TRANSITION"
    # The hook itself is idempotent: called again it returns the same refund.
    from services.timebank.refunds import refund_if_paid
    from subscriptions.events import atomic

    async with atomic() as tx:
        again = await refund_if_paid(tx, await ServiceOrder.get(id=spent.order.id), None)
    assert again is not None and again.id == refund.id
    assert await Transfer.filter(kind=TransferKind.REFUND).count() == 1
    assert await balance(account_id) == Decimal(20)
    assert (await timebank.verify_ledger()).ok


async def test_concurrent_cancellations_refund_once(backend: Backend) -> None:
    """On PostgreSQL the cancellations really race: the order's row lock lets one through."""
    alice, _, account_id = await spender()
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    spent = await timebank.spend(alice, await purchase("s1", hours="4"))

    async def cancel(who: Principal) -> str:
        try:
            await orders.cancel(who, spent.order.id)
        except DomainError as error:
            return str(error.problems[0].code.value)
        return "OK"

    outcomes = await asyncio.gather(*(cancel(p) for p in [alice, dispatcher] * 5))
    assert sorted(outcomes) == ["ILLEGAL_TRANSITION"] * 9 + ["OK"]
    assert await Transfer.filter(kind=TransferKind.REFUND).count() == 1
    assert await balance(account_id) == Decimal(20)
    assert (await timebank.verify_ledger()).ok


async def test_an_order_that_expires_unserved_is_refunded() -> None:
    alice, _, account_id = await spender()
    spent = await timebank.spend(alice, await purchase("s1", hours="2"))
    plain = await ServiceOrder.filter(id=spent.order.id).values("window_end")

    expired = await escalation.expire_overdue(now=plain[0]["window_end"] + timedelta(minutes=1))

    assert expired == 1
    assert (await ServiceOrder.get(id=spent.order.id)).status == OrderStatus.EXPIRED
    assert await balance(account_id) == Decimal(20)
    # The sweep runs in every process: a second pass finds nothing to expire or refund.
    assert await escalation.expire_overdue(now=datetime.now(UTC) + timedelta(days=1)) == 0
    assert await Transfer.filter(kind=TransferKind.REFUND).count() == 1


async def test_a_refund_stops_at_the_cap_and_still_counts_as_refunded() -> None:
    alice, _, account_id = await spender(credits="1490")
    spent = await timebank.spend(alice, await purchase("s1", hours="5"))
    # Meanwhile the account filled up again: 1485 + 14 leaves room for 1 of the 5.
    await fund_more(account_id, "14")
    await orders.cancel(alice, spent.order.id)
    assert await balance(account_id) == Decimal(1500)
    payment = await OrderPayment.get(order_id=spent.order.id)
    refund = await Transfer.get(id=payment.refund_id)
    assert refund.amount == Decimal(1) and payment.refunded_at is not None


async def fund_more(account_id: int, amount: str) -> None:
    from services.timebank import ledger as timebank_ledger
    from subscriptions.events import atomic

    bank = await timebank.bank_account()
    async with atomic() as tx:
        source, target = await timebank_ledger.locked(bank.id, account_id)
        request = timebank_ledger.Request(
            TransferKind.DEPOSIT, bank.id, account_id, Decimal(amount), "more"
        )
        await timebank_ledger.write(tx, request, source, target, f"more:{account_id}", None)


SPEND = """
mutation ($input: SpendTimeInput!) {
  spendTime(input: $input) {
    transfer { id kind amount order { id status } }
    order { id status paidByTimeBank
            timeBankPayment { hours withdrawal { id amount } refund { id } } }
    errors { code field }
  }
}
"""
CANCEL = """
mutation ($input: OrderActionInput!) {
  cancelOrder(input: $input) {
    order { status timeBankPayment { refundedAt refund { kind amount } } } errors { code }
  }
}
"""
NODE = """
query ($id: ID!) { node(id: $id) { id ... on TimeTransfer { kind amount } } }
"""
ORDERS = """
query ($first: Int!) {
  orders(first: $first) {
    edges { node { id paidByTimeBank timeBankPayment { hours refundedAt
      withdrawal { amount order { id } } refund { amount } familyMember { name } } } }
  }
}
"""


def spend_input(district_id: int, key: str, **overrides: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(hours=2)
    values: dict[str, Any] = {
        "category": "HOME_REPAIR",
        "description": "Fix a leaking tap",
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=4)).isoformat(),
        "hours": "1.5",
        "place": {
            "address": "惠城区江北文昌一路 8 号",
            "location": {"lat": 23.0837, "lng": 114.3828},
            "district": str(relay.GlobalID("District", str(district_id))),
        },
        "idempotencyKey": key,
    }
    values.update(overrides)
    return values


async def test_the_schema_spends_shows_the_payment_and_refunds_on_cancel() -> None:
    from tests.support import huicheng

    alice, _, _ = await spender()
    _, bob, _ = await make_volunteer("bob")
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    district = await huicheng()

    # Given alice's credits, when she buys a repair, then the order shows the bank's payment.
    given = spend_input(district.id, "k1")
    spent = (await data_of(SPEND, {"input": given}, alice))["spendTime"]
    assert spent["errors"] == []
    assert spent["transfer"]["kind"] == "WITHDRAWAL" and spent["transfer"]["amount"] == "1.50"
    order = spent["order"]
    assert spent["transfer"]["order"] == {"id": order["id"], "status": "SUBMITTED"}
    assert order["paidByTimeBank"] is True
    assert order["timeBankPayment"]["hours"] == "1.50"
    assert order["timeBankPayment"]["withdrawal"]["id"] == spent["transfer"]["id"]
    replay = (await data_of(SPEND, {"input": given}, alice))["spendTime"]
    assert replay["order"]["id"] == order["id"]

    # The transfer is a node for its party and for staff, and nobody else.
    transfer_id = spent["transfer"]["id"]
    seen = await data_of(NODE, {"id": transfer_id}, alice)
    assert seen["node"] == {"id": transfer_id, "kind": "WITHDRAWAL", "amount": "1.50"}
    assert (await data_of(NODE, {"id": transfer_id}, dispatcher))["node"] is not None
    assert (await data_of(NODE, {"id": transfer_id}, bob))["node"] is None
    assert error_codes(await gql(NODE, {"id": transfer_id})) == []
    malformed = await gql(NODE, {"id": str(relay.GlobalID("TimeTransfer", "x"))}, alice)
    assert error_codes(malformed) == ["INVALID_ID"]

    # Cancelling refunds in the same mutation.
    cancelled = (await data_of(CANCEL, {"input": {"order": order["id"]}}, alice))["cancelOrder"]
    payment = cancelled["order"]["timeBankPayment"]
    assert cancelled["order"]["status"] == "CANCELLED"
    assert payment["refund"] == {"kind": "REFUND", "amount": "1.50"}
    assert payment["refundedAt"] is not None

    # Bad input: coded errors, nothing bought.
    bad = spend_input(district.id, "k2", hours="9", place=None)
    refused = (await data_of(SPEND, {"input": bad}, alice))["spendTime"]
    assert refused["order"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID_HOURS", "hours"),
        ("PLACE_REQUIRED", "place"),
    ]
    elsewhere = spend_input(district.id, "k3")
    elsewhere["place"]["district"] = str(relay.GlobalID("Community", "1"))
    unknown = (await data_of(SPEND, {"input": elsewhere}, alice))["spendTime"]
    assert [e["code"] for e in unknown["errors"]] == ["UNKNOWN_DISTRICT"]
    poor = (await data_of(SPEND, {"input": spend_input(district.id, "k4")}, bob))["spendTime"]
    assert [e["code"] for e in poor["errors"]] == ["STAR_LEVEL_TOO_LOW"]
    assert error_codes(await gql(SPEND, {"input": given})) == ["NOT_AUTHENTICATED"]
    assert await ServiceOrder.all().count() == 1


async def test_the_payment_is_shown_to_the_requester_and_staff_only() -> None:
    from services.dispatch import assignments

    alice, _, _ = await spender()
    _, bob, bob_id = await make_volunteer("bob")
    spent = await timebank.spend(alice, await purchase("s1"))
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    # Bob serves the order: he sees it, and that it is paid, but not the payment.
    await assignments.assign(dispatcher, spent.order.id, [bob_id])
    query = "query ($id: ID!) { order(id: $id) { paidByTimeBank timeBankPayment { hours } } }"
    order_id = str(relay.GlobalID("ServiceOrder", str(spent.order.id)))
    for who, shown in ((alice, True), (dispatcher, True), (bob, False)):
        seen = (await data_of(query, {"id": order_id}, who))["order"]
        assert seen["paidByTimeBank"] is True
        assert (seen["timeBankPayment"] is not None) is shown


async def test_an_order_page_with_payments_costs_the_same_statements_as_one_row() -> None:
    alice, _, _ = await spender(credits="100")
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    for n in range(6):
        spent = await timebank.spend(alice, await purchase(f"s{n}"))
        if n % 2:
            await orders.cancel(alice, spent.order.id)

    with count_statements() as big:
        page = await data_of(ORDERS, {"first": 100}, dispatcher)
    with count_statements() as small:
        await data_of(ORDERS, {"first": 1}, dispatcher)

    nodes = [edge["node"] for edge in page["orders"]["edges"]]
    assert len(nodes) == 6 and all(n["paidByTimeBank"] for n in nodes)
    assert sum(1 for n in nodes if n["timeBankPayment"]["refund"]) == 3
    assert len(big.statements) == len(small.statements)
