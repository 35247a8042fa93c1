"""The catalogue, eligibility, redeeming and verifying through GraphQL: payloads with coded
errors, access errors at the top level, and who sees a redemption's code."""

from __future__ import annotations

from models.accounts import Role
from services.rewards import providers as rewards_providers
from tests.rewards.support import LONG_AGO, admin, benefit, gid, provider, volunteer
from tests.support import data_of, error_codes, gql, make_user

CREATE_PROVIDER = """
mutation ($input: CreateBenefitProviderInput!) {
  createBenefitProvider(input: $input) { provider { id name kind } errors { code field } }
}
"""
ADD_STAFF = """
mutation ($input: ProviderStaffInput!) {
  addProviderStaff(input: $input) { provider { name } errors { code field } }
}
"""
CREATE = """
mutation ($input: CreateBenefitInput!) {
  createBenefit(input: $input) {
    benefit { id code stock remaining perVolunteerLimit minRecentHours provider { name } }
    errors { code field }
  }
}
"""
UPDATE = """
mutation ($input: UpdateBenefitInput!) {
  updateBenefit(input: $input) { benefit { stock active name } errors { code field } }
}
"""
CATALOGUE = """
query ($filter: BenefitFilter) {
  benefits(first: 50, filter: $filter) { totalCount nodes { code remaining provider { kind } } }
  benefitProviders(first: 10) { nodes { name benefits { nodes { code } } } }
}
"""
ELIGIBLE = """
query ($all: Boolean!) {
  eligibleBenefits(includeIneligible: $all) {
    eligible redeemedByYou leftForYou benefit { code } reasons { reason message }
  }
}
"""
REDEEM = """
mutation ($input: RedeemBenefitInput!) {
  redeemBenefit(input: $input) {
    redemption { id code state holderName benefit { code } } errors { code field message }
  }
}
"""
VERIFY = """
mutation ($code: String!) {
  verifyRedemption(input: {code: $code}) {
    redemption { state code holderName usedAt benefit { code } } errors { code field }
  }
}
"""
MINE = """
{ myRedemptions(first: 10) { totalCount nodes { code state benefit { code } } }
  myProviders { name } }
"""
NODE = "query ($id: ID!) { node(id: $id) { ... on Redemption { code state } } }"


async def test_admins_build_the_catalogue_and_nobody_else_does() -> None:
    boss = await admin()
    who, _ = await volunteer("vol")
    given = {"name": "惠州博物馆", "kind": "PUBLIC_VENUE"}
    assert error_codes(await gql(CREATE_PROVIDER, {"input": given}, who)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(CREATE_PROVIDER, {"input": given})) == ["NOT_AUTHENTICATED"]
    made = (await data_of(CREATE_PROVIDER, {"input": given}, boss))["createBenefitProvider"]
    assert made["errors"] == []
    provider_id = made["provider"]["id"]
    nowhere = {**given, "name": "x", "district": provider_id}
    refused = (await data_of(CREATE_PROVIDER, {"input": nowhere}, boss))["createBenefitProvider"]
    assert refused["errors"] == [{"code": "DISTRICT_NOT_FOUND", "field": "district"}]

    offer = {
        "code": "MUSEUM_TOUR",
        "name": "博物馆特展与讲解免费",
        "category": "PUBLIC_SERVICE",
        "provider": provider_id,
        "validFrom": LONG_AGO.isoformat(),
        "stock": 3,
        "perVolunteerLimit": 1,
        "minRecentHours": "2.5",
    }
    assert error_codes(await gql(CREATE, {"input": offer}, who)) == ["NOT_PERMITTED"]
    created = (await data_of(CREATE, {"input": offer}, boss))["createBenefit"]
    assert created["benefit"] == {
        "id": created["benefit"]["id"],
        "code": "MUSEUM_TOUR",
        "stock": 3,
        "remaining": 3,
        "perVolunteerLimit": 1,
        "minRecentHours": "2.50",
        "provider": {"name": "惠州博物馆"},
    }
    benefit_id = created["benefit"]["id"]
    card_only = {**offer, "code": "CARD_ONLY", "delivery": "SERVICE_CARD"}
    bad = (await data_of(CREATE, {"input": card_only}, boss))["createBenefit"]
    assert bad["errors"] == [
        {"code": "INVALID_STOCK", "field": "stock"},
        {"code": "INVALID_LIMIT", "field": "perVolunteerLimit"},
    ]

    # Only the fields given change; null clears a nullable one and is refused for the rest.
    cleared = {"benefit": benefit_id, "stock": None}
    changed = (await data_of(UPDATE, {"input": cleared}, boss))["updateBenefit"]
    assert changed == {
        "benefit": {"stock": None, "active": True, "name": "博物馆特展与讲解免费"},
        "errors": [],
    }
    nameless = await data_of(UPDATE, {"input": {"benefit": benefit_id, "name": None}}, boss)
    assert nameless["updateBenefit"]["errors"] == [{"code": "INVALID_TEXT", "field": "name"}]
    withdrawn = {"benefit": benefit_id, "active": False}
    assert (await data_of(UPDATE, {"input": withdrawn}, boss))["updateBenefit"]["benefit"] == {
        "stock": None,
        "active": False,
        "name": "博物馆特展与讲解免费",
    }
    listed = await data_of(CATALOGUE, {"filter": None})
    assert listed["benefits"]["totalCount"] == 0
    everything = await data_of(CATALOGUE, {"filter": {"includeWithdrawn": True}})
    assert everything["benefits"]["nodes"] == [
        {"code": "MUSEUM_TOUR", "remaining": None, "provider": {"kind": "PUBLIC_VENUE"}}
    ]
    assert everything["benefitProviders"]["nodes"] == [
        {"name": "惠州博物馆", "benefits": {"nodes": [{"code": "MUSEUM_TOUR"}]}}
    ]


async def test_a_volunteer_redeems_and_a_provider_account_verifies() -> None:
    # given a benefit with one left, a volunteer, and a counter of its provider
    boss = await admin()
    hospital = await provider(boss)
    check = await benefit(boss, hospital, stock=1, per_volunteer_limit=1)
    gated = await benefit(boss, hospital, "GATED", min_star_level=3)
    who, _ = await volunteer("vol", "120.00", real_name="陈志愿")
    other, _ = await volunteer("other")
    nurse_user, nurse = await make_user("nurse")
    staff = {"provider": gid("BenefitProvider", hospital), "user": gid("User", nurse_user.id)}
    assert error_codes(await gql(ADD_STAFF, {"input": staff}, who)) == ["NOT_PERMITTED"]
    added = (await data_of(ADD_STAFF, {"input": staff}, boss))["addProviderStaff"]
    assert added == {"provider": {"name": "惠州市中心人民医院"}, "errors": []}
    assert (await data_of(MINE, principal=nurse))["myProviders"] == [{"name": "惠州市中心人民医院"}]

    # when the volunteer looks, then redeems
    offered = (await data_of(ELIGIBLE, {"all": True}, who))["eligibleBenefits"]
    assert [(o["benefit"]["code"], o["eligible"], o["leftForYou"]) for o in offered] == [
        ("HEALTH_CHECK", True, 1),
        ("GATED", False, None),
    ]
    assert offered[1]["reasons"] == [
        {"reason": "STAR_LEVEL_TOO_LOW", "message": "Needs star level 3; you have 1."}
    ]
    given = {"benefit": gid("Benefit", check.id), "idempotencyKey": "visit-1"}
    taken = (await data_of(REDEEM, {"input": given}, who))["redeemBenefit"]
    assert taken["errors"] == []
    redemption = taken["redemption"]
    assert (redemption["state"], redemption["holderName"], len(redemption["code"])) == (
        "ISSUED",
        "陈**",
        10,
    )
    replay = (await data_of(REDEEM, {"input": given}, who))["redeemBenefit"]["redemption"]
    assert replay == redemption
    reused = {**given, "benefit": gid("Benefit", gated.id)}
    assert (await data_of(REDEEM, {"input": reused}, who))["redeemBenefit"]["errors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "field": "idempotencyKey",
            "message": "This idempotency key was used for a different request.",
        }
    ]
    out = (await data_of(REDEEM, {"input": given}, other))["redeemBenefit"]
    assert [e["code"] for e in out["errors"]] == ["OUT_OF_STOCK"]
    wrong = {**given, "benefit": gid("Volunteer", 1), "idempotencyKey": "x"}
    missing = (await data_of(REDEEM, {"input": wrong}, who))["redeemBenefit"]["errors"]
    assert [e["code"] for e in missing] == ["BENEFIT_NOT_FOUND"]
    assert error_codes(await gql(REDEEM, {"input": given})) == ["NOT_AUTHENTICATED"]
    assert (await data_of(ELIGIBLE, {"all": False}, who))["eligibleBenefits"] == []
    _, resident = await make_user("resident", Role.RESIDENT)
    assert error_codes(await gql(ELIGIBLE, {"all": False}, resident)) == ["NOT_A_VOLUNTEER"]

    # the code: the volunteer sees it, others do not
    usable = "{ myRedemptions(first: 5, usableOnly: true) { totalCount } }"
    assert (await data_of(usable, principal=who))["myRedemptions"]["totalCount"] == 1
    mine = (await data_of(MINE, principal=who))["myRedemptions"]
    assert mine == {
        "totalCount": 1,
        "nodes": [
            {"code": redemption["code"], "state": "ISSUED", "benefit": {"code": "HEALTH_CHECK"}}
        ],
    }
    assert (await data_of(MINE, principal=other))["myRedemptions"]["totalCount"] == 0
    assert (await data_of(NODE, {"id": redemption["id"]}, other)) == {"node": None}
    assert (await data_of(NODE, {"id": redemption["id"]}, who))["node"]["code"] == redemption[
        "code"
    ]

    # then the counter verifies it once
    assert error_codes(await gql(VERIFY, {"code": redemption["code"]}, other)) == ["NOT_PERMITTED"]
    used = (await data_of(VERIFY, {"code": redemption["code"].lower()}, nurse))["verifyRedemption"]
    assert used["errors"] == []
    assert (used["redemption"]["state"], used["redemption"]["holderName"]) == ("USED", "陈**")
    usable = "{ myRedemptions(first: 5, usableOnly: true) { totalCount } }"
    assert (await data_of(usable, principal=who))["myRedemptions"]["totalCount"] == 0
    again = (await data_of(VERIFY, {"code": redemption["code"]}, nurse))["verifyRedemption"]
    assert again == {"redemption": None, "errors": [{"code": "ALREADY_USED", "field": "code"}]}
    await rewards_providers.remove_staff(boss, hospital, nurse_user.id)
    assert error_codes(await gql(VERIFY, {"code": redemption["code"]}, nurse)) == ["NOT_PERMITTED"]


async def test_bad_pagination_arguments_are_bad_user_input() -> None:
    assert error_codes(await gql("{ benefits(first: 101) { totalCount } }")) == ["BAD_USER_INPUT"]
