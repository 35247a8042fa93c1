"""The demo time bank: deposits from the demo's confirmed service, family, gifts, a donation
and a spend that bought an order; seeding again adds nothing."""

from __future__ import annotations

import demo as demo_data
from models.accounts import User
from models.dispatch import RecordStatus, ServiceRecord
from models.timebank import FamilyMember, Movement, OrderPayment, Transfer, TransferKind
from services import timebank
from services.accounts import principal_for

SMALL = demo_data.Scale("test", volunteers=120, organizations=10)


async def test_the_demo_bank_has_deposits_family_gifts_and_a_bought_order() -> None:
    # given the demo data
    await demo_data.seed(SMALL)

    # then every served demo assignment has a confirmed record, deposited once
    records = await ServiceRecord.filter(status=RecordStatus.CONFIRMED).count()
    assert records > 1
    assert await Transfer.filter(kind=TransferKind.DEPOSIT).count() == records
    # and the demo volunteer has family, gave, donated and bought service for their mother
    me = principal_for(await User.get(username="volunteer"))
    links = await timebank.family_links_of(me)
    assert sorted(link.relation.value for link in links) == ["PARENT", "SIBLING"]
    kinds = sorted(t.kind.value for t in await Transfer.filter(created_by_id=me.user_id))
    assert kinds == ["DONATION", "TRANSFER", "WITHDRAWAL"]
    payment = await OrderPayment.get().select_related("order", "family_member")
    assert (
        payment.family_member is not None and payment.order.address == payment.family_member.address
    )
    account = await timebank.my_account(me)
    # 8 hours deposited, 2 given, 1 donated, 2 spent.
    assert account.balance == 3
    assert (await timebank.verify_ledger()).ok

    # when it is seeded again, nothing is added
    counts = (
        await Transfer.all().count(),
        await Movement.all().count(),
        await FamilyMember.all().count(),
        await ServiceRecord.all().count(),
    )
    await demo_data.seed(SMALL)
    assert (
        await Transfer.all().count(),
        await Movement.all().count(),
        await FamilyMember.all().count(),
        await ServiceRecord.all().count(),
    ) == counts
