"""The demo data: deterministic, consistent with the domain rules, and idempotent."""

from __future__ import annotations

import demo as demo_data
from models.accounts import User
from models.organizations import Membership, Organization
from models.volunteers import Volunteer
from services.common.identity import parse_id_number
from services.volunteers import star_level

SMALL = demo_data.Scale("test", volunteers=250, organizations=20)


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
