"""The volunteer service card: numbers with a check digit, the state machine and who drives it,
and what a merchant's look-up reveals (and to whom, and how often)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from stdnum import luhn

from models.accounts import Role
from models.rewards import CardCheck, CardStatus, ServiceCard
from models.volunteers import Volunteer, VolunteerStatus
from services.common.errors import DomainError, NotPermitted
from services.rewards import cards
from services.rewards import providers as rewards_providers
from services.rewards.cards import CardAction
from tests.conftest import Backend
from tests.rewards.support import admin, fails, gid, provider, volunteer
from tests.support import data_of, error_codes, gql, make_user


def test_numbers_carry_a_luhn_digit_that_rejects_typos() -> None:
    number = cards.new_number()
    assert len(number) == 16 and number.startswith("4413") and luhn.is_valid(number)
    assert cards.parse_number(f" {number[:4]} {number[4:8]}-{number[8:12]} {number[12:]} ") == (
        number
    )
    assert cards.format_number(number).count(" ") == 3
    # Every single-digit typo is rejected without a look-up.
    for position in range(4, 16):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert cards.parse_number(typo) is None, typo
    assert cards.parse_number("4413" + "12345678901") is None  # the check digit left off
    body = "441312345678901"
    valid = body + luhn.calc_check_digit(body)
    assert cards.parse_number("5413" + valid[4:]) is None  # not a Huizhou card
    swapped = valid[:5] + valid[6] + valid[5] + valid[7:]  # 2 and 3 swapped
    assert cards.parse_number(swapped) is None
    assert cards.mask_name("陈志愿") == "陈**" and cards.mask_name("李") == "李*"


async def test_the_card_lifecycle_and_who_may_drive_it() -> None:
    boss = await admin()
    holder, volunteer_id = await volunteer("holder")
    other, _ = await volunteer("other")

    with pytest.raises(NotPermitted):
        await cards.issue(holder, volunteer_id)
    card = await cards.issue(boss, volunteer_id)
    assert (card.status, card.live_holder) == (CardStatus.ISSUED, volunteer_id)
    assert await fails(cards.issue(boss, volunteer_id)) == ["CARD_ALREADY_ISSUED"]
    assert await fails(cards.issue(boss, 9999)) == ["VOLUNTEER_NOT_FOUND"]

    assert (await cards.change(boss, card.id, CardAction.ACTIVATE)).status == CardStatus.ACTIVE
    assert await fails(cards.change(boss, card.id, CardAction.ACTIVATE)) == [
        "ILLEGAL_CARD_TRANSITION"
    ]
    with pytest.raises(NotPermitted):
        await cards.change(holder, card.id, CardAction.FREEZE)
    frozen = await cards.change(boss, card.id, CardAction.FREEZE, "misuse reported")
    assert (frozen.status, frozen.status_note) == (CardStatus.FROZEN, "misuse reported")
    assert await fails(cards.reissue(boss, card.id)) == ["ILLEGAL_CARD_TRANSITION"]
    assert (await cards.change(boss, card.id, CardAction.UNFREEZE)).status == CardStatus.ACTIVE

    # The holder reports it lost: dead at once; a stranger may not.
    with pytest.raises(NotPermitted):
        await cards.change(other, card.id, CardAction.REPORT_LOST)
    lost = await cards.change(holder, card.id, CardAction.REPORT_LOST)
    assert (lost.status, lost.live_holder) == (CardStatus.LOST, None)
    assert await fails(cards.change(boss, card.id, CardAction.UNFREEZE)) == [
        "ILLEGAL_CARD_TRANSITION"
    ]

    # Reissued: a new number; the lost one stays lost and cannot be reissued twice.
    with pytest.raises(NotPermitted):
        await cards.reissue(holder, card.id)
    second = await cards.reissue(boss, card.id, "lost on the bus")
    assert second.number != card.number and second.replaces_id == card.id
    assert second.status == CardStatus.ISSUED
    assert (await ServiceCard.get(id=card.id)).status == CardStatus.LOST
    assert await fails(cards.reissue(boss, card.id)) == ["ILLEGAL_CARD_TRANSITION"]

    # A damaged live card is reissued too: the old one becomes REPLACED.
    third = await cards.reissue(boss, second.id)
    assert (await ServiceCard.get(id=second.id)).status == CardStatus.REPLACED
    assert (
        await ServiceCard.filter(volunteer_id=volunteer_id, live_holder__not_isnull=True).count()
        == 1
    )
    assert (await cards.my_card(holder)).id == third.id  # type: ignore[union-attr]

    await Volunteer.filter(id=volunteer_id).update(status=VolunteerStatus.LEFT)
    assert await fails(cards.reissue(boss, third.id)) == ["VOLUNTEER_NOT_ACTIVE"]
    assert await fails(cards.change(boss, third.id, CardAction.ACTIVATE, "x" * 201)) == [
        "INVALID_TEXT"
    ]


async def test_concurrent_issues_to_one_volunteer_issue_one_card(backend: Backend) -> None:
    boss = await admin()
    _, volunteer_id = await volunteer("holder")

    async def issue() -> str:
        try:
            await cards.issue(boss, volunteer_id)
        except DomainError as error:
            return str(error.problems[0].code.value)
        return "OK"

    outcomes = await asyncio.gather(*(issue() for _ in range(6)))
    assert sorted(outcomes) == ["CARD_ALREADY_ISSUED"] * 5 + ["OK"]
    assert await ServiceCard.filter(volunteer_id=volunteer_id).count() == 1


VERIFY = """
query ($number: String!) {
  verifyServiceCard(cardNumber: $number) {
    cardNumber found status honoured holderName starLevel
  }
}
"""
CHECK_FIELDS = """
{ __type(name: "ServiceCardCheck") { fields { name } } }
"""


async def counter() -> object:
    boss = await admin("boss")
    plaza = await provider(boss, "丽日购物广场")
    user, principal = await make_user("cashier")
    await rewards_providers.add_staff(boss, plaza, user.id)
    return principal


async def test_a_merchant_learns_only_masked_name_stars_and_status() -> None:
    boss = await admin()
    cashier = await counter()
    _, volunteer_id = await volunteer("holder", "320.00", real_name="陈志愿")
    card = await cards.issue(boss, volunteer_id)
    await cards.change(boss, card.id, CardAction.ACTIVATE)
    spaced = cards.format_number(card.number)

    seen = (await data_of(VERIFY, {"number": spaced}, cashier))["verifyServiceCard"]  # type: ignore[arg-type]
    assert seen == {
        "cardNumber": spaced,
        "found": True,
        "status": "ACTIVE",
        "honoured": True,
        "holderName": "陈**",
        "starLevel": 2,
    }
    fields = (await data_of(CHECK_FIELDS))["__type"]["fields"]
    assert {f["name"] for f in fields} == {
        "cardNumber",
        "found",
        "status",
        "honoured",
        "holderName",
        "starLevel",
    }

    await cards.change(boss, card.id, CardAction.FREEZE)
    frozen = (await data_of(VERIFY, {"number": card.number}, cashier))["verifyServiceCard"]  # type: ignore[arg-type]
    assert (frozen["status"], frozen["honoured"], frozen["holderName"]) == ("FROZEN", False, "陈**")
    await cards.change(boss, card.id, CardAction.REPORT_LOST)
    dead = (await data_of(VERIFY, {"number": card.number}, cashier))["verifyServiceCard"]  # type: ignore[arg-type]
    assert (dead["status"], dead["holderName"], dead["starLevel"]) == ("LOST", None, None)

    body = "441300000000001"
    unknown = body + luhn.calc_check_digit(body)
    missing = (await data_of(VERIFY, {"number": unknown}, cashier))["verifyServiceCard"]  # type: ignore[arg-type]
    assert (missing["found"], missing["status"], missing["holderName"]) == (False, None, None)
    assert await CardCheck.all().count() == 4

    typo = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    assert error_codes(await gql(VERIFY, {"number": typo}, cashier)) == ["INVALID_CARD_NUMBER"]  # type: ignore[arg-type]
    assert await CardCheck.all().count() == 4


async def test_only_provider_accounts_look_cards_up_and_not_too_often() -> None:
    boss = await admin()
    cashier = await counter()
    holder, volunteer_id = await volunteer("holder")
    card = await cards.issue(boss, volunteer_id)
    given = {"number": card.number}
    assert error_codes(await gql(VERIFY, given)) == ["NOT_AUTHENTICATED"]
    assert error_codes(await gql(VERIFY, given, holder)) == ["NOT_PERMITTED"]
    assert (await data_of(VERIFY, given, boss))["verifyServiceCard"]["found"] is True

    # An account that looked up CARD_CHECKS_PER_HOUR numbers in the last hour must wait.
    user_id = cashier.user_id  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    await CardCheck.bulk_create(
        [
            CardCheck(
                user_id=user_id,
                number=card.number,
                found=True,
                checked_at=now - timedelta(minutes=m % 59),
            )
            for m in range(300)
        ]
    )
    assert error_codes(await gql(VERIFY, given, cashier)) == ["RATE_LIMITED"]  # type: ignore[arg-type]
    await CardCheck.filter(user_id=user_id).update(checked_at=now - timedelta(hours=2))
    assert (await data_of(VERIFY, given, cashier))["verifyServiceCard"]["found"] is True  # type: ignore[arg-type]


ISSUE = """
mutation ($input: IssueServiceCardInput!) {
  issueServiceCard(input: $input) { card { id number status } errors { code field } }
}
"""
LOST = """
mutation ($input: ServiceCardInput!) {
  reportServiceCardLost(input: $input) { card { status } errors { code } }
}
"""
ACTIVATE = """
mutation ($input: ServiceCardInput!) {
  activateServiceCard(input: $input) { card { status } errors { code } }
}
"""
MINE = """
query ($id: ID!, $card: ID!) {
  myServiceCard { number status volunteer { realName } }
  volunteer(id: $id) { serviceCard { number } }
  node(id: $card) { id }
}
"""


async def test_cards_through_graphql_with_permissions_and_masking() -> None:
    boss = await admin()
    holder, volunteer_id = await volunteer("holder")
    other, _ = await volunteer("other")
    target = {"volunteer": gid("Volunteer", volunteer_id)}

    assert error_codes(await gql(ISSUE, {"input": target}, holder)) == ["NOT_PERMITTED"]
    issued = (await data_of(ISSUE, {"input": target}, boss))["issueServiceCard"]
    assert issued["errors"] == [] and issued["card"]["status"] == "ISSUED"
    card_id = issued["card"]["id"]
    again = (await data_of(ISSUE, {"input": target}, boss))["issueServiceCard"]
    assert again == {
        "card": None,
        "errors": [{"code": "CARD_ALREADY_ISSUED", "field": "volunteer"}],
    }
    wrong = (await data_of(ISSUE, {"input": {"volunteer": card_id}}, boss))["issueServiceCard"]
    assert wrong["errors"][0]["code"] == "VOLUNTEER_NOT_FOUND"

    assert error_codes(await gql(ACTIVATE, {"input": {"card": card_id}}, holder)) == [
        "NOT_PERMITTED"
    ]
    active = (await data_of(ACTIVATE, {"input": {"card": card_id}}, boss))["activateServiceCard"]
    assert active == {"card": {"status": "ACTIVE"}, "errors": []}

    ids = {"id": gid("Volunteer", volunteer_id), "card": card_id}
    mine = await data_of(MINE, ids, holder)
    assert mine["myServiceCard"]["number"] == issued["card"]["number"]
    assert mine["volunteer"]["serviceCard"]["number"] == issued["card"]["number"]
    assert mine["node"] == {"id": card_id}
    hidden = await data_of(MINE, ids, other)
    assert (hidden["myServiceCard"], hidden["volunteer"]["serviceCard"], hidden["node"]) == (
        None,
        None,
        None,
    )
    assert (await data_of(MINE, ids, boss))["volunteer"]["serviceCard"] is not None

    assert error_codes(await gql(LOST, {"input": {"card": card_id}}, other)) == ["NOT_PERMITTED"]
    lost = (await data_of(LOST, {"input": {"card": card_id}}, holder))["reportServiceCardLost"]
    assert lost == {"card": {"status": "LOST"}, "errors": []}
    twice = (await data_of(LOST, {"input": {"card": card_id}}, holder))["reportServiceCardLost"]
    assert twice == {"card": None, "errors": [{"code": "ILLEGAL_CARD_TRANSITION"}]}
    _, resident = await make_user("resident", Role.RESIDENT)
    assert (await data_of("{ myServiceCard { id } }", principal=resident)) == {
        "myServiceCard": None
    }
