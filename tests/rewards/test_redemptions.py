"""The catalogue, eligibility, redeeming and verifying at the service level: every rule coded
and writing nothing, idempotency keys, and the races (stock, per-volunteer limit, the same
key, the same code at two counters) on PostgreSQL as on SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models.accounts import Role
from models.dispatch import ServiceRecord
from models.rewards import Benefit, BenefitDelivery, ProviderKind, Redemption, RedemptionStatus
from models.volunteers import Volunteer, VolunteerStatus
from services.common.errors import DomainError, NotPermitted
from services.dispatch import service_records
from services.rewards import benefits as rewards_benefits
from services.rewards import catalogue as rewards_catalogue
from services.rewards import providers as rewards_providers
from services.rewards import redemptions
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.rewards.support import LONG_AGO, admin, benefit, fails, pending_record, provider
from tests.rewards.support import volunteer as make
from tests.support import make_user


async def snapshot() -> tuple[int, list[int]]:
    return await Redemption.all().count(), [b.redeemed for b in await Benefit.all().order_by("id")]


async def test_the_catalogue_is_for_admins_and_checks_every_field_at_once() -> None:
    boss = await admin()
    who, _ = await make("vol")
    hospital = await provider(boss)
    with pytest.raises(NotPermitted):
        await benefit(who, hospital)

    bad = benefit(
        boss,
        9999,
        code="x",
        name=" ",
        min_star_level=6,
        min_recent_hours=Decimal("-1"),
        valid_until=LONG_AGO - timedelta(days=1),
        stock=-1,
        per_volunteer_limit=0,
    )
    assert sorted(await fails(bad)) == sorted(
        [
            "INVALID_CODE",
            "INVALID_TEXT",
            "INVALID_STAR_LEVEL",
            "INVALID_HOURS",
            "INVALID_PERIOD",
            "INVALID_STOCK",
            "INVALID_LIMIT",
            "PROVIDER_NOT_FOUND",
        ]
    )
    card_only = benefit(boss, hospital, delivery=BenefitDelivery.SERVICE_CARD, stock=5)
    assert await fails(card_only) == ["INVALID_STOCK"]
    assert await Benefit.all().count() == 0

    made = await benefit(boss, hospital, code="health_check", stock=2)
    assert made.code == "HEALTH_CHECK"
    assert await fails(benefit(boss, hospital, code="HEALTH_CHECK")) == ["DUPLICATE_CODE"]
    other = rewards_providers.NewProvider(name="惠州市中心人民医院", kind=ProviderKind.MERCHANT)
    assert await fails(rewards_providers.create_provider(boss, other)) == ["DUPLICATE_NAME"]

    changed = await rewards_catalogue.update_benefit(
        boss, made.id, {"stock": None, "per_volunteer_limit": 3, "min_recent_hours": Decimal(10)}
    )
    assert (changed.stock, changed.per_volunteer_limit, changed.min_recent_hours) == (
        None,
        3,
        Decimal("10.00"),
    )
    await Benefit.filter(id=made.id).update(redeemed=4)
    too_low = rewards_catalogue.update_benefit(boss, made.id, {"stock": 3})
    assert await fails(too_low) == ["INVALID_STOCK"]
    assert (await Benefit.get(id=made.id)).stock is None


async def test_eligibility_reads_stars_recent_hours_validity_stock_and_limit() -> None:
    # given a 1★ volunteer with 2.5 hours confirmed this year and 2.5 more years ago
    await make_centers()
    boss = await admin()
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    _, resident = await make_user("resident1", Role.RESIDENT)
    who, volunteer_id = await make("vol", "100.00")
    for hours_from_now in (2, 6):
        record_id = await pending_record(dispatcher, resident, who, volunteer_id, hours_from_now)
        await service_records.confirm(dispatcher, record_id)
    await ServiceRecord.filter(id=record_id).update(
        ended_at=datetime.now(UTC) - timedelta(days=400)
    )
    hospital = await provider(boss)
    now = datetime.now(UTC)
    await benefit(boss, hospital, "OPEN_TO_ALL")
    await benefit(boss, hospital, "TWO_STARS", min_star_level=2)
    await benefit(boss, hospital, "RECENT_2H", min_recent_hours=Decimal(2))
    await benefit(boss, hospital, "RECENT_3H", min_recent_hours=Decimal(3))
    await benefit(boss, hospital, "LATER", valid_from=now + timedelta(days=1))
    await benefit(boss, hospital, "GONE", valid_until=now - timedelta(days=1))
    await benefit(boss, hospital, "EMPTY", stock=0)
    limited = await benefit(boss, hospital, "ONCE", per_volunteer_limit=1)
    withdrawn = await benefit(boss, hospital, "WITHDRAWN_ONE")
    await rewards_catalogue.update_benefit(boss, withdrawn.id, {"active": False})
    await redemptions.redeem(who, limited.id, "first")

    # when the volunteer asks what they may have
    eligible = await rewards_benefits.eligible_benefits(who)
    everything = await rewards_benefits.eligible_benefits(who, include_ineligible=True)

    # then: the ended and withdrawn ones are not on offer; the rest say why not
    assert [e.benefit.code for e in eligible] == ["OPEN_TO_ALL", "RECENT_2H"]
    reasons = {e.benefit.code: [r.reason.value for r in e.reasons] for e in everything}
    assert reasons == {
        "OPEN_TO_ALL": [],
        "RECENT_2H": [],
        "RECENT_3H": ["NOT_ENOUGH_RECENT_HOURS"],
        "LATER": ["NOT_YET_VALID"],
        "EMPTY": ["OUT_OF_STOCK"],
        "ONCE": ["LIMIT_REACHED"],
        "TWO_STARS": ["STAR_LEVEL_TOO_LOW"],
    }
    once = next(e for e in everything if e.benefit.code == "ONCE")
    assert (once.taken, once.left_for_you) == (1, 0)
    recent = next(e for e in everything if e.benefit.code == "RECENT_3H")
    assert recent.reasons[0].message.endswith("you have 2.50.")

    # and a suspended volunteer is eligible for nothing
    await Volunteer.filter(id=volunteer_id).update(status=VolunteerStatus.SUSPENDED)
    assert await rewards_benefits.eligible_benefits(who) == []


async def test_redeeming_is_idempotent_per_caller_and_key() -> None:
    boss = await admin()
    who, _ = await make("vol")
    other, _ = await make("other")
    hospital = await provider(boss)
    check = await benefit(boss, hospital, stock=1)
    museum = await benefit(boss, hospital, "MUSEUM")

    first = await redemptions.redeem(who, check.id, "k-1")
    assert len(first.code) == 10 and first.status == RedemptionStatus.ISSUED
    # The stock is gone, yet the retry is answered with the first result.
    again = await redemptions.redeem(who, check.id, "k-1")
    assert (again.id, again.code) == (first.id, first.code)
    assert await fails(redemptions.redeem(who, museum.id, "k-1")) == ["IDEMPOTENCY_KEY_REUSED"]
    # Keys belong to their caller.
    assert await fails(redemptions.redeem(other, check.id, "k-1")) == ["OUT_OF_STOCK"]
    assert (await redemptions.redeem(other, museum.id, "k-1")).id != first.id
    assert await snapshot() == (2, [1, 1])


async def test_every_refusal_is_coded_and_writes_nothing() -> None:
    boss = await admin()
    who, volunteer_id = await make("vol", "100.00")
    _, resident = await make_user("resident", Role.RESIDENT)
    hospital = await provider(boss)
    now = datetime.now(UTC)
    stars = await benefit(boss, hospital, "STARS", min_star_level=2)
    hours = await benefit(boss, hospital, "HOURS", min_recent_hours=Decimal(1))
    empty = await benefit(boss, hospital, "EMPTY", stock=0)
    gone = await benefit(boss, hospital, "GONE", valid_until=now - timedelta(hours=1))
    later = await benefit(boss, hospital, "LATER", valid_from=now + timedelta(hours=1))
    card = await benefit(boss, hospital, "CARD", delivery=BenefitDelivery.SERVICE_CARD)
    once = await benefit(boss, hospital, "ONCE", per_volunteer_limit=1)
    pulled = await benefit(boss, hospital, "PULLED")
    await rewards_catalogue.update_benefit(boss, pulled.id, {"active": False})
    await redemptions.redeem(who, once.id, "used-once")
    before = await snapshot()

    assert await fails(redemptions.redeem(who, stars.id, "a")) == ["NOT_ELIGIBLE"]
    assert await fails(redemptions.redeem(who, hours.id, "b")) == ["NOT_ELIGIBLE"]
    assert await fails(redemptions.redeem(who, empty.id, "c")) == ["OUT_OF_STOCK"]
    assert await fails(redemptions.redeem(who, gone.id, "d")) == ["EXPIRED"]
    assert await fails(redemptions.redeem(who, later.id, "e")) == ["NOT_YET_VALID"]
    assert await fails(redemptions.redeem(who, card.id, "f")) == ["NOT_REDEEMABLE"]
    assert await fails(redemptions.redeem(who, once.id, "g")) == ["LIMIT_REACHED"]
    assert await fails(redemptions.redeem(who, pulled.id, "h")) == ["WITHDRAWN"]
    assert await fails(redemptions.redeem(who, 9999, "i")) == ["BENEFIT_NOT_FOUND"]
    assert await fails(redemptions.redeem(who, once.id, " padded ")) == ["INVALID_IDEMPOTENCY_KEY"]
    assert await fails(redemptions.redeem(resident, once.id, "j")) == ["NOT_A_VOLUNTEER"]
    await Volunteer.filter(id=volunteer_id).update(status=VolunteerStatus.SUSPENDED)
    assert await fails(redemptions.redeem(who, stars.id, "k")) == ["NOT_ELIGIBLE", "NOT_ELIGIBLE"]
    assert await snapshot() == before


async def test_providers_verify_their_own_codes_once() -> None:
    boss = await admin()
    who, _ = await make("vol")
    hospital = await provider(boss)
    plaza = await provider(boss, "丽日购物广场")
    check = await benefit(boss, hospital)
    nurse_user, nurse = await make_user("nurse")
    cashier_user, cashier = await make_user("cashier")
    _, stranger = await make_user("stranger")
    await rewards_providers.add_staff(boss, hospital, nurse_user.id)
    await rewards_providers.add_staff(boss, hospital, nurse_user.id)
    await rewards_providers.add_staff(boss, plaza, cashier_user.id)
    taken = await redemptions.redeem(who, check.id, "k")
    typed = f"{taken.code[:5].lower()}-{taken.code[5:].lower()}"

    with pytest.raises(NotPermitted):
        await redemptions.verify(stranger, taken.code)
    assert await fails(redemptions.verify(cashier, taken.code)) == ["REDEMPTION_NOT_FOUND"]
    assert await fails(redemptions.verify(nurse, "NOPE")) == ["REDEMPTION_NOT_FOUND"]
    used = await redemptions.verify(nurse, typed)
    assert used.status == RedemptionStatus.USED and used.verified_by_id == nurse_user.id
    assert redemptions.state_of(used) == redemptions.RedemptionState.USED
    assert await fails(redemptions.verify(nurse, taken.code)) == ["ALREADY_USED"]
    assert await fails(redemptions.verify(boss, taken.code)) == ["ALREADY_USED"]

    late = await redemptions.redeem(who, check.id, "k2")
    after_expiry = late.expires_at + timedelta(seconds=1)
    assert await fails(redemptions.verify(nurse, late.code, now=after_expiry)) == ["EXPIRED"]
    assert (await Redemption.get(id=late.id)).status == RedemptionStatus.ISSUED

    await rewards_providers.remove_staff(boss, hospital, nurse_user.id)
    with pytest.raises(NotPermitted):
        await redemptions.verify(nurse, late.code)


async def test_a_code_expires_with_its_benefit() -> None:
    boss = await admin()
    who, _ = await make("vol")
    ends = datetime.now(UTC) + timedelta(days=2)
    short = await benefit(boss, await provider(boss), valid_until=ends)
    taken = await redemptions.redeem(who, short.id, "k")
    assert taken.expires_at == ends


async def outcome(call: object) -> str:
    try:
        await call  # type: ignore[misc]
    except DomainError as error:
        return str(error.problems[0].code.value)
    return "OK"


async def test_concurrent_redemptions_never_exceed_the_stock(backend: Backend) -> None:
    boss = await admin()
    scarce = await benefit(boss, await provider(boss), stock=5)
    people = [(await make(f"vol{i}"))[0] for i in range(24)]

    outcomes = await asyncio.gather(
        *(outcome(redemptions.redeem(p, scarce.id, "mine")) for p in people)
    )

    assert sorted(outcomes) == ["OK"] * 5 + ["OUT_OF_STOCK"] * 19
    assert (await Benefit.get(id=scarce.id)).redeemed == 5
    assert await Redemption.filter(benefit_id=scarce.id).count() == 5


async def test_one_volunteer_racing_themself_stops_at_the_limit(backend: Backend) -> None:
    boss = await admin()
    twice = await benefit(boss, await provider(boss), per_volunteer_limit=2, stock=50)
    who, volunteer_id = await make("vol")

    outcomes = await asyncio.gather(
        *(outcome(redemptions.redeem(who, twice.id, f"key-{i}")) for i in range(10))
    )

    assert sorted(outcomes) == ["LIMIT_REACHED"] * 8 + ["OK"] * 2
    assert await Redemption.filter(volunteer_id=volunteer_id).count() == 2
    assert (await Benefit.get(id=twice.id)).redeemed == 2


async def test_concurrent_retries_of_one_key_redeem_once(backend: Backend) -> None:
    boss = await admin()
    once = await benefit(boss, await provider(boss), per_volunteer_limit=1)
    who, _ = await make("vol")
    results = await asyncio.gather(*(redemptions.redeem(who, once.id, "same") for _ in range(8)))
    assert len({r.id for r in results}) == 1
    assert (await Benefit.get(id=once.id)).redeemed == 1


async def test_two_counters_scanning_one_code_use_it_once(backend: Backend) -> None:
    boss = await admin()
    hospital = await provider(boss)
    taken = await redemptions.redeem(
        (await make("vol"))[0], (await benefit(boss, hospital)).id, "k"
    )
    counters = []
    for i in range(6):
        user, principal = await make_user(f"counter{i}")
        await rewards_providers.add_staff(boss, hospital, user.id)
        counters.append(principal)
    outcomes = await asyncio.gather(*(outcome(redemptions.verify(c, taken.code)) for c in counters))
    assert sorted(outcomes) == ["ALREADY_USED"] * 5 + ["OK"]
