"""The community service bank at the service level: deposits from confirmed service, every
rule coded and moving nothing, idempotency, statements, permissions, and the ledger check."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.accounts import Role
from models.dispatch import ServiceCategory
from models.geography import Community
from models.timebank import FamilyRelation, Movement, TimeAccount, Transfer, TransferKind
from models.volunteers import Volunteer
from services import timebank
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.dispatch import assignments, service_records
from services.timebank import ledger as timebank_ledger
from subscriptions.events import atomic
from tests.conftest import Backend
from tests.dispatch.support import (
    HUICHENG_LAT,
    HUICHENG_LNG,
    assigned_order,
    attend,
    make_centers,
    people,
)
from tests.support import huicheng, make_user, make_volunteer

ADDRESS = "惠城区江北文昌一路 8 号"


async def fails(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        await call
    return str(caught.value.problems[0].code.value)


async def fund(volunteer_id: int, amount: str) -> TimeAccount:
    """Seeds an account from the bank as a deposit would, without walking a whole order."""
    account = await timebank.volunteer_account(volunteer_id)
    bank = await timebank.bank_account()
    async with atomic() as tx:
        source, target = await timebank_ledger.locked(bank.id, account.id)
        request = timebank_ledger.Request(
            TransferKind.DEPOSIT, bank.id, account.id, Decimal(amount), "seed"
        )
        await timebank_ledger.write(tx, request, source, target, f"seed:{account.id}", None)
    await account.refresh_from_db()
    return account


async def balance(account_id: int) -> Decimal:
    return (await TimeAccount.get(id=account_id)).balance


async def ledger_snapshot() -> tuple[int, int, list[Decimal]]:
    balances = [a.balance for a in await TimeAccount.all().order_by("id")]
    return await Transfer.all().count(), await Movement.all().count(), balances


async def relate(holder: Principal, member: Principal, member_username: str) -> int:
    """A confirmed family link: `holder` registers `member`, who confirms it."""
    district = await huicheng()
    link = await timebank.register_family_member(
        holder,
        timebank.NewFamilyMember(
            relation=FamilyRelation.SIBLING,
            address=ADDRESS,
            lat=HUICHENG_LAT,
            lng=HUICHENG_LNG,
            district_id=district.id,
            member_username=member_username,
        ),
    )
    await timebank.confirm_family_member(member, link.id)
    return link.id


async def two_volunteers() -> tuple[Principal, int, Principal, int]:
    """Alice and bob, registered as family (credits may only go to family)."""
    _, alice, alice_id = await make_volunteer("alice")
    _, bob, bob_id = await make_volunteer("bob")
    await relate(alice, bob, "bob")
    return alice, alice_id, bob, bob_id


async def purchase(key: str, hours: str = "2", **overrides: Any) -> timebank.Purchase:
    """A home repair in Huicheng tomorrow-ish, for oneself, in a six-hour window."""
    start = datetime.now(UTC) + timedelta(hours=2)
    district = await huicheng()
    values: dict[str, Any] = {
        "category": ServiceCategory.HOME_REPAIR,
        "description": "Fix a leaking tap",
        "window_start": start,
        "window_end": start + timedelta(hours=6),
        "hours": Decimal(hours),
        "idempotency_key": key,
        "place": timebank.Place(ADDRESS, HUICHENG_LAT, HUICHENG_LNG, district.id),
    }
    values.update(overrides)
    return timebank.Purchase(**values)


async def confirmed_record(who: dict[str, Any], minutes: int = 150) -> int:
    _, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    record = await attend(
        who["volunteer"], assignment_id, start, start + timedelta(minutes=minutes)
    )
    await service_records.confirm(who["dispatcher"], record.id)
    return record.id


async def test_a_confirmed_record_deposits_its_hours_exactly_once() -> None:
    await make_centers()
    who = await people()
    record_id = await confirmed_record(who)

    account = await timebank.volunteer_account(who["volunteer_id"])
    assert account.balance == Decimal("2.50")
    deposit = await Transfer.get(service_record_id=record_id)
    assert deposit.kind == TransferKind.DEPOSIT and deposit.amount == Decimal("2.50")

    # The confirmation retried: refused, and nothing more deposited.
    again = service_records.confirm(who["dispatcher"], record_id)
    assert await fails(again) == "RECORD_ALREADY_DECIDED"
    # Even called again inside a transaction, the record's deposit is the same one.
    from models.dispatch import ServiceRecord

    record = await ServiceRecord.get(id=record_id)
    async with atomic() as tx:
        same = await timebank.deposit_for_record(tx, record, Decimal("2.50"), None)
    assert same is not None and same.id == deposit.id
    assert await balance(account.id) == Decimal("2.50")
    assert await Transfer.filter(service_record_id=record_id).count() == 1
    assert (await timebank.verify_ledger()).ok


async def test_a_deposit_stops_at_the_cap() -> None:
    await make_centers()
    who = await people()
    account = await fund(who["volunteer_id"], "1499.00")
    await confirmed_record(who)
    assert await balance(account.id) == Decimal("1500.00")
    assert (await timebank.verify_ledger()).ok


async def test_every_rule_is_coded_and_moves_nothing() -> None:
    alice, alice_id, _, bob_id = await two_volunteers()
    _, resident = await make_user("resident", Role.RESIDENT)
    mine = await fund(alice_id, "10")
    theirs = await fund(bob_id, "1495")
    community = await Community.all().order_by("id").first()
    assert community is not None
    pool = await timebank.community_account(community.id)
    before = await ledger_snapshot()

    def send(amount: str, key: str = "k1", to: int = theirs.id, **kw: Any) -> Any:
        return timebank.transfer(
            alice, kw.get("source"), to, Decimal(amount), key, kw.get("memo", "")
        )

    assert await fails(send("0")) == "INVALID_AMOUNT"
    assert await fails(send("-1")) == "INVALID_AMOUNT"
    assert await fails(send("1.005")) == "INVALID_AMOUNT"
    assert await fails(send("NaN")) == "INVALID_AMOUNT"
    assert await fails(send("1", key="")) == "INVALID_IDEMPOTENCY_KEY"
    assert await fails(send("1", memo="x" * 201)) == "MEMO_TOO_LONG"
    assert await fails(send("1", to=99999)) == "ACCOUNT_NOT_FOUND"
    assert await fails(send("1", to=pool.id)) == "INVALID_RECIPIENT"
    assert await fails(send("1", to=mine.id)) == "SAME_ACCOUNT"
    assert await fails(send("10.01", to=theirs.id)) in ("BELOW_FLOOR", "ABOVE_CAP")
    assert await fails(send("6", to=theirs.id)) == "ABOVE_CAP"
    carol = await make_volunteer("carol")
    await relate(carol[1], alice, "alice")
    poor = await timebank.volunteer_account(carol[2])
    assert await fails(send("10.01", to=poor.id)) == "BELOW_FLOOR"
    # Credits go to registered, confirmed family only.
    dave = await make_volunteer("dave")
    stranger = await timebank.volunteer_account(dave[2])
    assert await fails(send("1", to=stranger.id)) == "NOT_A_FAMILY_MEMBER"
    await timebank.register_family_member(
        alice,
        timebank.NewFamilyMember(
            FamilyRelation.SPOUSE,
            ADDRESS,
            HUICHENG_LAT,
            HUICHENG_LNG,
            (await huicheng()).id,
            member_username="dave",
        ),
    )
    assert await fails(send("1", to=stranger.id)) == "NOT_A_FAMILY_MEMBER"
    with pytest.raises(NotPermitted):
        await send("1", source=theirs.id, to=poor.id)
    assert await fails(timebank.transfer(resident, None, poor.id, Decimal(1), "k")) == (
        "NOT_A_VOLUNTEER"
    )
    assert await fails(timebank.donate(alice, Decimal(1), 99999, "k")) == "COMMUNITY_NOT_FOUND"
    # Spending needs star level 1 (100 confirmed hours) by default.
    await make_centers()
    assert await fails(timebank.spend(alice, await purchase("k"))) == "STAR_LEVEL_TOO_LOW"

    # Only the accounts opened on demand (carol's, dave's, the bank's) are new; nothing moved.
    transfers, movements, balances = await ledger_snapshot()
    assert (transfers, movements) == before[:2]
    assert balances[: len(before[2])] == before[2]
    assert all(b == 0 for b in balances[len(before[2]) :])
    assert (await timebank.verify_ledger()).ok


async def test_transfer_donate_and_spend_move_credits_double_entry() -> None:
    alice, alice_id, _, bob_id = await two_volunteers()
    mine = await fund(alice_id, "20")
    theirs = await timebank.volunteer_account(bob_id)
    community = await Community.all().order_by("id").first()
    assert community is not None

    sent = await timebank.transfer(alice, None, theirs.id, Decimal("3.5"), "t1", "for mum")
    assert sent.kind == TransferKind.TRANSFER and sent.amount == Decimal("3.50")
    await timebank.donate(alice, Decimal("1.25"), community.id, "d1")
    await Volunteer.filter(id=alice_id).update(total_hours=Decimal(100))
    await make_centers()
    spent = await timebank.spend(alice, await purchase("s1", hours="5"))
    assert spent.transfer.kind == TransferKind.WITHDRAWAL

    pool = await timebank.community_account(community.id)
    bank = await timebank.bank_account()
    assert await balance(mine.id) == Decimal("10.25")
    assert await balance(theirs.id) == Decimal("3.50")
    assert await balance(pool.id) == Decimal("1.25")
    # The bank issued 20 and took 5 back.
    assert await balance(bank.id) == Decimal("-15.00")
    movements = await Movement.filter(transfer_id=sent.id).order_by("id")
    assert [m.amount for m in movements] == [Decimal("-3.50"), Decimal("3.50")]
    check = await timebank.verify_ledger()
    assert check.ok and check.accounts == 4 and check.transfers == 4


async def test_the_same_key_replays_and_a_different_request_is_refused() -> None:
    alice, alice_id, bob, bob_id = await two_volunteers()
    mine = await fund(alice_id, "10")
    theirs = await fund(bob_id, "10")

    first = await timebank.transfer(alice, None, theirs.id, Decimal(2), "gift-1", "hi")
    again = await timebank.transfer(alice, None, theirs.id, Decimal("2.00"), "gift-1", "hi")
    assert again.id == first.id
    assert await balance(mine.id) == Decimal(8)
    changed = timebank.transfer(alice, None, theirs.id, Decimal(3), "gift-1", "hi")
    assert await fails(changed) == "IDEMPOTENCY_KEY_REUSED"
    other_kind = timebank.donate(alice, Decimal(2), (await Community.first()).id, "gift-1", "hi")  # type: ignore[union-attr]
    assert await fails(other_kind) == "IDEMPOTENCY_KEY_REUSED"
    # Keys belong to their caller: bob may use the same one.
    back = await timebank.transfer(bob, None, mine.id, Decimal(2), "gift-1", "hi")
    assert back.id != first.id
    assert await balance(mine.id) == Decimal(10)
    assert await Transfer.filter(kind=TransferKind.TRANSFER).count() == 2


async def test_concurrent_retries_of_one_key_move_once(backend: Backend) -> None:
    alice, alice_id, _, bob_id = await two_volunteers()
    mine = await fund(alice_id, "10")
    theirs = await timebank.volunteer_account(bob_id)
    results = await asyncio.gather(
        *(timebank.transfer(alice, None, theirs.id, Decimal(1), "once", "") for _ in range(10))
    )
    assert len({r.id for r in results}) == 1
    assert await balance(mine.id) == Decimal(9)
    assert (await timebank.verify_ledger()).ok


async def test_statement_has_the_opening_and_a_running_balance() -> None:
    alice, alice_id, bob, bob_id = await two_volunteers()
    _, admin = await make_user("admin", Role.ADMIN)
    mine = await fund(alice_id, "10")
    theirs = await fund(bob_id, "5")
    now = datetime.now(UTC)
    # The seed deposit was booked two days ago: it is the opening balance of the period.
    await Movement.filter(account_id=mine.id).update(created_at=now - timedelta(days=2))
    community = await Community.all().order_by("id").first()
    assert community is not None

    await timebank.transfer(alice, None, theirs.id, Decimal(3), "a", "=cmd|' /C calc'!A0")
    await timebank.transfer(bob, None, mine.id, Decimal("1.5"), "b", "thanks")
    await timebank.donate(alice, Decimal("2.25"), community.id, "c")

    start, end = now - timedelta(days=1), now + timedelta(days=1)
    found = await timebank.statement(alice, mine.id, start, end)
    assert found.opening_balance == Decimal(10)
    assert [(line.movement.amount, line.balance) for line in found.lines] == [
        (Decimal(-3), Decimal(7)),
        (Decimal("1.5"), Decimal("8.5")),
        (Decimal("-2.25"), Decimal("6.25")),
    ]
    assert found.closing_balance == Decimal("6.25") == await balance(mine.id)
    assert [line.transfer.kind for line in found.lines] == [
        TransferKind.TRANSFER,
        TransferKind.TRANSFER,
        TransferKind.DONATION,
    ]
    # A period before everything opens and closes at zero.
    empty = await timebank.statement(
        alice, mine.id, now - timedelta(days=9), now - timedelta(days=8)
    )
    assert (empty.opening_balance, empty.closing_balance, empty.lines) == (0, 0, [])

    text = timebank.statement_csv(found)
    rows = text.splitlines()
    assert rows[0] == "booked_at,transfer,kind,memo,amount,balance"
    assert rows[1].endswith(",,OPENING,,,10.00")
    assert ",TRANSFER,'=cmd|' /C calc'!A0,-3.00,7.00" in rows[2]
    assert rows[-1].endswith(",,CLOSING,,,6.25")

    assert (await timebank.statement(admin, mine.id, start, end)).closing_balance == Decimal("6.25")
    with pytest.raises(NotPermitted):
        await timebank.statement(bob, mine.id, start, end)
    assert await fails(timebank.statement(alice, mine.id, end, start)) == "INVALID_PERIOD"
    assert await fails(timebank.statement(alice, 99999, start, end)) == "ACCOUNT_NOT_FOUND"


async def test_verify_ledger_finds_a_tampered_balance_and_an_unbalanced_transfer() -> None:
    _, alice_id, _, _ = await two_volunteers()
    mine = await fund(alice_id, "10")
    assert (await timebank.verify_ledger()).ok
    await TimeAccount.filter(id=mine.id).update(balance=Decimal(11))
    movement = await Movement.filter(account_id=mine.id).first()
    assert movement is not None
    await Movement.filter(id=movement.id).update(amount=Decimal("10.01"))
    check = await timebank.verify_ledger()
    assert not check.ok
    assert check.mismatched_accounts == [mine.id]
    assert check.unbalanced_transfers == [movement.transfer_id]


async def test_hundreds_of_concurrent_transfers_keep_the_books(backend: Backend) -> None:
    """Each transfer is its own transaction. On PostgreSQL they really interleave and the row
    locks do the work; on SQLite writers queue, and the same invariants must hold."""
    people_ = [await make_volunteer(f"vol{i}") for i in range(4)]
    for a in range(4):
        for b in range(a + 1, 4):
            await relate(people_[a][1], people_[b][1], f"vol{b}")
    accounts = [await fund(volunteer_id, "50") for _, _, volunteer_id in people_]
    # A low cap, so that both limits are hit often.
    await TimeAccount.filter(id__in=[a.id for a in accounts]).update(cap=Decimal(80))
    rng = random.Random(5)
    plan = []
    for n in range(200):
        a, b = rng.sample(range(4), 2)
        plan.append((a, b, Decimal(rng.randint(1, 2500)) / 100, f"c{n}"))

    async def one(a: int, b: int, amount: Decimal, key: str) -> str:
        try:
            await timebank.transfer(people_[a][1], None, accounts[b].id, amount, key)
        except DomainError as error:
            return str(error.problems[0].code.value)
        return "OK"

    outcomes = await asyncio.gather(*(one(*step) for step in plan))
    assert set(outcomes) <= {"OK", "BELOW_FLOOR", "ABOVE_CAP"}
    assert outcomes.count("OK") > 50
    balances = [await balance(a.id) for a in accounts]
    assert sum(balances) == Decimal(200)
    assert all(Decimal(0) <= b <= Decimal(80) for b in balances)
    assert await Transfer.filter(kind=TransferKind.TRANSFER).count() == outcomes.count("OK")
    check = await timebank.verify_ledger()
    assert check.ok, check


TRANSFER = """
mutation ($input: TransferTimeInput!) {
  transferTime(input: $input) { transfer { id kind amount memo } errors { code field message } }
}
"""
DONATE = """
mutation ($input: DonateTimeInput!) {
  donateTime(input: $input) { transfer { kind amount } errors { code field } }
}
"""
MY_ACCOUNT = """
{ myTimeAccount { id kind balance floor cap volunteer { realName } } }
"""
ACCOUNT = """
query ($id: ID!) { timeAccount(id: $id) { balance } node(id: $id) { id } }
"""
STATEMENT = """
query ($account: ID!, $from: DateTime!, $to: DateTime!) {
  timeStatement(account: $account, from: $from, to: $to) {
    openingBalance closingBalance csv
    lines { amount balance transfer { kind memo } }
  }
}
"""


async def test_the_schema_moves_credits_and_reports_coded_errors() -> None:
    from strawberry import relay

    from tests.support import data_of, error_codes, gql

    alice, alice_id, bob, bob_id = await two_volunteers()
    await fund(alice_id, "10")
    community = await Community.all().order_by("id").first()
    assert community is not None
    to_bob = str(relay.GlobalID("Volunteer", str(bob_id)))

    # Given alice's account, when she gives bob 2.5 credits, then both balances move.
    mine = (await data_of(MY_ACCOUNT, principal=alice))["myTimeAccount"]
    assert (mine["kind"], mine["balance"], mine["floor"], mine["cap"]) == (
        "VOLUNTEER",
        "10.00",
        "0.00",
        "1500.00",
    )
    given = {"to": to_bob, "amount": "2.5", "idempotencyKey": "k1", "memo": "for dad"}
    sent = (await data_of(TRANSFER, {"input": given}, alice))["transferTime"]
    assert sent["errors"] == [] and sent["transfer"]["amount"] == "2.50"
    replay = (await data_of(TRANSFER, {"input": given}, alice))["transferTime"]
    assert replay["transfer"]["id"] == sent["transfer"]["id"]
    reused = (await data_of(TRANSFER, {"input": {**given, "amount": "3"}}, alice))["transferTime"]
    assert reused == {
        "transfer": None,
        "errors": [
            {
                "code": "IDEMPOTENCY_KEY_REUSED",
                "field": "idempotencyKey",
                "message": "This idempotency key was used for a different request.",
            }
        ],
    }
    too_much = {**given, "amount": "100", "idempotencyKey": "k2"}
    refused = (await data_of(TRANSFER, {"input": too_much}, alice))["transferTime"]
    assert [e["code"] for e in refused["errors"]] == ["BELOW_FLOOR"]
    unknown = {**given, "to": str(relay.GlobalID("Volunteer", "9999")), "idempotencyKey": "k3"}
    missing = (await data_of(TRANSFER, {"input": unknown}, alice))["transferTime"]
    assert [e["code"] for e in missing["errors"]] == ["ACCOUNT_NOT_FOUND"]

    pool = str(relay.GlobalID("Community", str(community.id)))
    donate = {"community": pool, "amount": "1", "idempotencyKey": "d1"}
    donated = (await data_of(DONATE, {"input": donate}, alice))["donateTime"]
    assert donated == {"transfer": {"kind": "DONATION", "amount": "1.00"}, "errors": []}
    assert error_codes(await gql(DONATE, {"input": donate})) == ["NOT_AUTHENTICATED"]

    # Statements and accounts: the holder and admins only.
    account_id = (await data_of(MY_ACCOUNT, principal=alice))["myTimeAccount"]["id"]
    now = datetime.now(UTC)
    period = {
        "account": account_id,
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    statement = (await data_of(STATEMENT, period, alice))["timeStatement"]
    assert statement["openingBalance"] == "0.00"
    assert [(x["amount"], x["balance"]) for x in statement["lines"]] == [
        ("10.00", "10.00"),
        ("-2.50", "7.50"),
        ("-1.00", "6.50"),
    ]
    assert statement["closingBalance"] == "6.50"
    assert statement["csv"].splitlines()[-1].endswith(",CLOSING,,,6.50")
    assert error_codes(await gql(STATEMENT, period, bob)) == ["NOT_PERMITTED"]
    backwards = {**period, "from": period["to"], "to": period["from"]}
    assert error_codes(await gql(STATEMENT, backwards, alice)) == ["INVALID_PERIOD"]
    seen = await data_of(ACCOUNT, {"id": account_id}, alice)
    assert seen == {"timeAccount": {"balance": "6.50"}, "node": {"id": account_id}}
    hidden = await data_of(ACCOUNT, {"id": account_id}, bob)
    assert hidden == {"timeAccount": None, "node": None}
    _, admin = await make_user("admin", Role.ADMIN)
    assert (await data_of(ACCOUNT, {"id": account_id}, admin))["timeAccount"] is not None
    _, resident = await make_user("resident", Role.RESIDENT)
    assert (await data_of(MY_ACCOUNT, principal=resident)) == {"myTimeAccount": None}
