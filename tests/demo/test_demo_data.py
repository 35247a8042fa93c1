"""The demo data: deterministic, consistent with the domain rules, and idempotent."""

from __future__ import annotations

from decimal import Decimal

import demo as demo_data
from models.accounts import User
from models.dispatch import RecordStatus, ServiceRecord
from models.organizations import Membership, Organization
from models.timebank import Movement, TimeAccount, Transfer
from models.volunteers import Volunteer
from services.common.identity import parse_id_number
from services.volunteers import star_level
from tests.support import data_of

SMALL = demo_data.Scale("test", volunteers=250, organizations=20)
STATISTICS = "{ cityStatistics { participationRate hoursPerVolunteer } }"


async def test_seeding_twice_adds_nothing_the_second_time() -> None:
    # given the demo data, loaded once
    first = await demo_data.seed("demo")
    assert first == {"volunteers": 600, "organizations": 60, "memberships": first["memberships"]}
    assert first["memberships"] > 0
    counts = (await Volunteer.all().count(), await Membership.all().count())

    # when it is loaded again
    second = await demo_data.seed("demo")

    # then nothing is added and nothing changes
    assert second == {"volunteers": 0, "organizations": 0, "memberships": 0}
    assert (await Volunteer.all().count(), await Membership.all().count()) == counts
    assert await User.filter(username__in=["admin", "dispatcher", "volunteer"]).count() == 3


async def test_a_larger_scale_adds_only_the_rows_a_smaller_one_lacks() -> None:
    # given a small load
    await demo_data.seed(SMALL)
    names = dict(await Volunteer.all().values_list("id_number", "real_name"))

    # when the demo scale (a superset by index) is loaded on top
    added = await demo_data.seed("demo")

    # then only the missing volunteers arrive, and the existing ones are the same people
    assert added["volunteers"] == 600 - SMALL.volunteers
    assert added["organizations"] == 60 - SMALL.organizations
    again = dict(
        await Volunteer.filter(id_number__in=list(names)).values_list("id_number", "real_name")
    )
    assert again == names


async def test_generated_volunteers_pass_the_registration_checks() -> None:
    await demo_data.seed(SMALL)
    for volunteer in await Volunteer.all().limit(50):
        parsed = parse_id_number(volunteer.id_number)
        assert parsed is not None, volunteer.id_number
        assert parsed.birth_date == volunteer.birth_date
        assert parsed.gender == volunteer.gender
        assert 0 <= star_level(volunteer.total_hours) <= 5
    assert await Organization.filter(verified=True).count() > 0


async def test_the_demo_city_takes_part_about_as_the_seed_says() -> None:
    # given the demo data (the seed: 75% take part, 29 hours per volunteer a year)
    await demo_data.seed("demo")

    # when the city's statistics are read
    figures = (await data_of(STATISTICS))["cityStatistics"]

    # then participation and hours come mostly from the activities' confirmed attendance
    assert 0.65 <= figures["participationRate"] <= 0.85, figures
    assert 22 <= Decimal(figures["hoursPerVolunteer"]) <= 36, figures
    activity_records = ServiceRecord.filter(sign_up_id__not_isnull=True)
    assert await activity_records.filter(status=RecordStatus.PENDING).exists()
    # and each confirmed record was deposited once, the ledger balancing to the cent.
    confirmed = await activity_records.filter(status=RecordStatus.CONFIRMED).count()
    deposits = Transfer.filter(service_record__sign_up_id__not_isnull=True)
    assert await deposits.count() == confirmed
    for account in await TimeAccount.all():
        moved = await Movement.filter(account_id=account.id).values_list("amount", flat=True)
        assert sum((Decimal(str(m)) for m in moved), Decimal(0)) == account.balance, account.id
