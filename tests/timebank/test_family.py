"""Family members of the time bank: registered by the volunteer, confirmed by a relative with an
account (a named dependant counts at once); credits go only to confirmed family, and service
bought for a relative is requested at their address."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.timebank import FamilyLinkStatus, FamilyMember, FamilyRelation, OrderPayment
from models.volunteers import Volunteer
from services import timebank
from services.common.errors import DomainError, NotPermitted
from services.timebank import family as timebank_family
from tests.conftest import Backend
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG, make_centers
from tests.support import (
    count_statements,
    data_of,
    error_codes,
    gql,
    huicheng,
    make_user,
    make_volunteer,
)
from tests.timebank.test_timebank import balance, fails, fund, purchase

MOTHER_ADDRESS = "惠城区桥西街道西湖路 12 号"


async def relative(**overrides: Any) -> timebank.NewFamilyMember:
    district = await huicheng()
    values: dict[str, Any] = {
        "relation": FamilyRelation.PARENT,
        "address": MOTHER_ADDRESS,
        "lat": HUICHENG_LAT + 0.001,
        "lng": HUICHENG_LNG,
        "district_id": district.id,
        "name": "陈母",
    }
    values.update(overrides)
    return timebank.NewFamilyMember(**values)


async def test_a_relative_with_an_account_confirms_and_a_dependant_counts_at_once() -> None:
    _, alice, _ = await make_volunteer("alice")
    _, bob, _ = await make_volunteer("bob")
    _, carol = await make_user("carol")

    mother = await timebank.register_family_member(alice, await relative())
    assert (mother.status, mother.member_user_id) == (FamilyLinkStatus.ACTIVE, None)
    brother = await timebank.register_family_member(
        alice, await relative(relation=FamilyRelation.SIBLING, name="", member_username="bob")
    )
    assert brother.status == FamilyLinkStatus.PENDING and brother.name == "bob"

    # Only the relative named confirms; both sides see the link.
    with pytest.raises(NotPermitted):
        await timebank.confirm_family_member(carol, brother.id)
    with pytest.raises(NotPermitted):
        await timebank.confirm_family_member(alice, brother.id)
    confirmed = await timebank.confirm_family_member(bob, brother.id)
    assert confirmed.status == FamilyLinkStatus.ACTIVE and confirmed.confirmed_at is not None
    assert [link.id for link in await timebank.family_links_of(alice)] == [mother.id, brother.id]
    assert [link.id for link in await timebank.family_links_of(bob)] == [brother.id]
    assert await timebank.family_links_of(carol) == []

    # Either side ends it; registering again starts over, unconfirmed.
    await timebank.remove_family_member(bob, brother.id)
    assert await timebank.family_links_of(bob) == []
    again = await timebank.register_family_member(
        alice, await relative(relation=FamilyRelation.SIBLING, member_username="bob")
    )
    assert again.id == brother.id and again.status == FamilyLinkStatus.PENDING


async def test_every_registration_problem_is_coded_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, alice, _ = await make_volunteer("alice")
    _, resident = await make_user("resident")
    await timebank.register_family_member(alice, await relative())
    before = await FamilyMember.all().count()

    async def problems(**overrides: Any) -> list[tuple[str, str | None]]:
        with pytest.raises(DomainError) as caught:
            await timebank.register_family_member(alice, await relative(**overrides))
        return [(p.code.value, p.field) for p in caught.value.problems]

    assert await problems() == [("ALREADY_REGISTERED", None)]
    assert await problems(name=" ") == [("INVALID_NAME", "name")]
    assert await problems(member_username="nobody") == [("MEMBER_NOT_FOUND", "memberUsername")]
    assert await problems(member_username="alice") == [("SAME_PERSON", "memberUsername")]
    assert await problems(name="陈父", address="", lat=39.9, district_id=999) == [
        ("INVALID_ADDRESS", "address"),
        ("INVALID_LOCATION", "location"),
        ("UNKNOWN_DISTRICT", "district"),
    ]
    monkeypatch.setattr(timebank_family, "MAX_FAMILY_MEMBERS", 1)
    assert await problems(name="陈父") == [("TOO_MANY_FAMILY_MEMBERS", None)]
    assert await fails(timebank.register_family_member(resident, await relative())) == (
        "NOT_A_VOLUNTEER"
    )
    assert await FamilyMember.all().count() == before


async def test_concurrent_registrations_of_one_relative_make_one_link(backend: Backend) -> None:
    _, alice, _ = await make_volunteer("alice")
    await make_volunteer("bob")
    wanted = await relative(relation=FamilyRelation.SIBLING, member_username="bob")

    async def register() -> str:
        try:
            await timebank.register_family_member(alice, wanted)
        except DomainError as error:
            return str(error.problems[0].code.value)
        return "OK"

    outcomes = await asyncio.gather(*(register() for _ in range(6)))
    assert sorted(outcomes) == ["ALREADY_REGISTERED"] * 5 + ["OK"]
    assert await FamilyMember.all().count() == 1


async def test_credits_go_only_to_confirmed_family_either_way_round() -> None:
    _, alice, alice_id = await make_volunteer("alice")
    _, bob, bob_id = await make_volunteer("bob")
    mine = await fund(alice_id, "10")
    theirs = await fund(bob_id, "10")
    link = await timebank.register_family_member(
        alice, await relative(relation=FamilyRelation.SPOUSE, member_username="bob")
    )

    unconfirmed = timebank.transfer(alice, None, theirs.id, Decimal(1), "k1")
    assert await fails(unconfirmed) == "NOT_A_FAMILY_MEMBER"
    await timebank.confirm_family_member(bob, link.id)
    await timebank.transfer(alice, None, theirs.id, Decimal(1), "k1")
    # Bob agreed to the link, so credits may go back the other way too.
    await timebank.transfer(bob, None, mine.id, Decimal(3), "k1")
    assert (await balance(mine.id), await balance(theirs.id)) == (Decimal(12), Decimal(8))
    await timebank.remove_family_member(alice, link.id)
    assert await fails(timebank.transfer(bob, None, mine.id, Decimal(1), "k2")) == (
        "NOT_A_FAMILY_MEMBER"
    )


async def test_service_for_a_relative_is_requested_at_their_address() -> None:
    await make_centers()
    _, alice, alice_id = await make_volunteer("alice")
    _, bob, bob_id = await make_volunteer("bob")
    await Volunteer.filter(id__in=[alice_id, bob_id]).update(total_hours=Decimal(100))
    await fund(alice_id, "10")
    await fund(bob_id, "10")
    mother = await timebank.register_family_member(alice, await relative())
    brother = await timebank.register_family_member(
        alice, await relative(relation=FamilyRelation.SIBLING, member_username="bob")
    )

    spent = await timebank.spend(
        alice, await purchase("s1", place=None, family_member_id=mother.id)
    )

    assert (spent.order.address, spent.order.lat) == (MOTHER_ADDRESS, mother.lat)
    assert spent.order.requester_id == alice.user_id
    assert (await OrderPayment.get(order_id=spent.order.id)).family_member_id == mother.id
    # Not confirmed yet, someone else's, or with a place of one's own: refused.
    pending = await purchase("s2", place=None, family_member_id=brother.id)
    assert await fails(timebank.spend(alice, pending)) == "FAMILY_MEMBER_NOT_CONFIRMED"
    theirs = await purchase("s3", place=None, family_member_id=mother.id)
    assert await fails(timebank.spend(bob, theirs)) == "FAMILY_MEMBER_NOT_FOUND"
    both = await purchase("s4", family_member_id=mother.id)
    assert await fails(timebank.spend(alice, both)) == "PLACE_NOT_ALLOWED"
    assert await OrderPayment.all().count() == 1


REGISTER = """
mutation ($input: RegisterFamilyMemberInput!) {
  registerFamilyMember(input: $input) {
    familyMember { id name relation status hasAccount address holder { id } district { code } }
    errors { code field }
  }
}
"""
CONFIRM = """
mutation ($input: FamilyMemberActionInput!) {
  confirmFamilyMember(input: $input) { familyMember { status } errors { code } }
}
"""
MINE = """
{ myFamilyMembers { id name status holder { id } district { name } } }
"""
NODE = """
query ($id: ID!) { node(id: $id) { ... on FamilyMember { name address } } }
"""
SPEND = """
mutation ($input: SpendTimeInput!) {
  spendTime(input: $input) { order { address timeBankPayment { familyMember { name } } }
    errors { code field } }
}
"""


def register_input(district_id: int, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "relation": "PARENT",
        "name": "陈母",
        "address": MOTHER_ADDRESS,
        "location": {"lat": HUICHENG_LAT, "lng": HUICHENG_LNG},
        "district": str(relay.GlobalID("District", str(district_id))),
    }
    values.update(overrides)
    return values


async def test_the_schema_registers_confirms_lists_and_spends_for_family() -> None:
    from datetime import UTC, datetime, timedelta

    await make_centers()
    _, alice, alice_id = await make_volunteer("alice")
    _, bob, _ = await make_volunteer("bob")
    _, admin = await make_user("admin", Role.ADMIN)
    await Volunteer.filter(id=alice_id).update(total_hours=Decimal(100))
    await fund(alice_id, "10")
    district = await huicheng()

    # Given alice, when she registers her mother and her brother, then both are listed.
    made = (await data_of(REGISTER, {"input": register_input(district.id)}, alice))[
        "registerFamilyMember"
    ]
    mother = made["familyMember"]
    assert made["errors"] == []
    assert (mother["status"], mother["hasAccount"], mother["district"]) == (
        "ACTIVE",
        False,
        {"code": "HUICHENG"},
    )
    brother_input = register_input(district.id, relation="SIBLING", name="", memberUsername="bob")
    brother = (await data_of(REGISTER, {"input": brother_input}, alice))["registerFamilyMember"]
    assert brother["familyMember"]["status"] == "PENDING"
    assert brother["familyMember"]["name"] == "bob"
    link = {"familyMember": brother["familyMember"]["id"]}
    confirmed = (await data_of(CONFIRM, {"input": link}, bob))["confirmFamilyMember"]
    assert confirmed == {"familyMember": {"status": "ACTIVE"}, "errors": []}
    assert len((await data_of(MINE, principal=alice))["myFamilyMembers"]) == 2
    assert len((await data_of(MINE, principal=bob))["myFamilyMembers"]) == 1

    # Coded errors, and the address is personal: the two people and admins only.
    twice = await data_of(REGISTER, {"input": register_input(district.id)}, alice)
    assert twice["registerFamilyMember"]["errors"] == [
        {"code": "ALREADY_REGISTERED", "field": None}
    ]
    bad = register_input(district.id, name="", district=str(relay.GlobalID("Community", "1")))
    refused = (await data_of(REGISTER, {"input": bad}, alice))["registerFamilyMember"]
    assert [e["code"] for e in refused["errors"]] == ["INVALID_NAME", "UNKNOWN_DISTRICT"]
    bogus = {"familyMember": str(relay.GlobalID("FamilyMember", "999"))}
    missing = (await data_of(CONFIRM, {"input": bogus}, bob))["confirmFamilyMember"]
    assert missing["errors"] == [{"code": "FAMILY_MEMBER_NOT_FOUND"}]
    assert error_codes(await gql(CONFIRM, {"input": link}, admin)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(MINE)) == ["NOT_AUTHENTICATED"]
    node = {"id": mother["id"]}
    assert (await data_of(NODE, node, alice))["node"]["address"] == MOTHER_ADDRESS
    assert (await data_of(NODE, node, admin))["node"] is not None
    assert (await data_of(NODE, node, bob))["node"] is None

    # Spending for her mother: the order goes to the mother's address.
    start = datetime.now(UTC) + timedelta(hours=2)
    spend = {
        "category": "ELDERLY_CARE",
        "description": "Accompany my mother to the clinic",
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=3)).isoformat(),
        "hours": "2",
        "forFamilyMember": mother["id"],
        "idempotencyKey": "mum-1",
    }
    spent = (await data_of(SPEND, {"input": spend}, alice))["spendTime"]
    assert spent == {
        "order": {"address": MOTHER_ADDRESS, "timeBankPayment": {"familyMember": {"name": "陈母"}}},
        "errors": [],
    }


async def test_the_family_list_costs_the_same_statements_for_many_links() -> None:
    _, alice, _ = await make_volunteer("alice")
    _, bob, _ = await make_volunteer("bob")
    await timebank.register_family_member(bob, await relative())
    with count_statements() as one:
        await data_of(MINE, principal=bob)
    for n in range(8):
        await timebank.register_family_member(alice, await relative(name=f"亲属{n}"))
    with count_statements() as many:
        listed = await data_of(MINE, principal=alice)
    assert len(listed["myFamilyMembers"]) == 8
    assert len(many.statements) == len(one.statements)
