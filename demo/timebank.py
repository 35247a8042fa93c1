"""Demo time bank: deposits from the demo's confirmed service, and the demo `volunteer`'s
family and credits — a sibling (`orgadmin`) and a dependant mother, a gift to the sibling, a
donation to the community pool, and a spend that bought service for the mother.

Everything goes through the real services (confirming records deposits their hours; gifts,
donations and spending take idempotency keys), so the demo shows what the API does. Idempotent:
records are filed only for served assignments that have none, links are registered once, and
the keys make the transfers replay; the spend is made once per account."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from tortoise.expressions import Subquery

from models.accounts import User
from models.dispatch import (
    AssignmentStatus,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    RecordStatus,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
)
from models.geography import Community, District
from models.timebank import FamilyMember, FamilyRelation, OrderPayment
from models.volunteers import Volunteer
from services import timebank
from services.accounts import principal_for
from services.common.principal import Principal
from services.dispatch import service_records
from services.statistics import CITY_ZONE
from subscriptions.events import atomic

MOTHER = "陈秀英"
MOTHER_ADDRESS = "惠城区江北街道文昌一路 8 号"
# The demo volunteer's own past service, so that their account opens with a deposit.
OWN_SERVICE = "示范 帮独居老人修理水管"
OWN_HOURS = Decimal(8)


async def _file_records() -> list[int]:
    """A pending record for every served (checked-out) demo assignment that has none, as
    checking out would have filed it; returns their ids."""
    served = (
        OrderAssignment.filter(status=AssignmentStatus.CHECKED_OUT, volunteer_id__not_isnull=True)
        .exclude(
            id__in=Subquery(
                ServiceRecord.filter(assignment_id__not_isnull=True).values("assignment_id")
            )
        )
        .select_related("order")
    )
    ids = []
    async with atomic():
        for assignment in await served:
            started = assignment.checked_in_at or assignment.order.window_start
            ended = assignment.checked_out_at or assignment.order.window_end
            record = await ServiceRecord.create(
                assignment_id=assignment.id,
                order_id=assignment.order_id,
                volunteer_id=assignment.volunteer_id,
                started_at=started,
                ended_at=ended,
                hours=Decimal((ended - started).total_seconds() / 3600).quantize(Decimal("0.01")),
                status=RecordStatus.PENDING,
            )
            ids.append(record.id)
    return ids


async def _own_service(volunteer: Volunteer, resident: User | None) -> None:
    """A completed order the demo volunteer served, a week ago, in their district."""
    if await ServiceOrder.exists(description=OWN_SERVICE):
        return
    center = await DispatchCenter.filter(parent_id=None).order_by("id").first()
    district = await District.get(id=volunteer.district_id)
    if center is None:
        return
    ended = datetime.now(UTC) - timedelta(days=7)
    started = ended - timedelta(hours=int(OWN_HOURS))
    async with atomic():
        order = await ServiceOrder.create(
            requester=resident,
            category=ServiceCategory.HOME_REPAIR,
            description=OWN_SERVICE,
            address=f"{district.name}示范社区 1 号",
            lat=district.center_lat,
            lng=district.center_lng,
            district=district,
            window_start=started,
            window_end=ended,
            status=OrderStatus.COMPLETED,
            dispatch_center=center,
            routed_at=started,
        )
        await OrderTransition.create(
            order=order,
            from_status=None,
            to_status=OrderStatus.COMPLETED,
            at=ended,
            note="demo data",
        )
        await OrderAssignment.create(
            order=order,
            volunteer=volunteer,
            status=AssignmentStatus.CHECKED_OUT,
            window_start=started,
            window_end=ended,
            checked_in_at=started,
            checked_out_at=ended,
        )


async def _family(me: Principal, volunteer: Volunteer, sibling: User | None) -> FamilyMember:
    """The sibling (confirmed by them) and the mother, registered once; returns the mother."""
    district = await District.get(id=volunteer.district_id)
    existing = {f.name: f for f in await FamilyMember.filter(holder_id=volunteer.id)}
    if sibling is not None and sibling.display_name not in existing:
        link = await timebank.register_family_member(
            me,
            timebank.NewFamilyMember(
                FamilyRelation.SIBLING,
                f"{district.name}示范社区 3 号",
                district.center_lat,
                district.center_lng,
                district.id,
                member_username=sibling.username,
            ),
        )
        await timebank.confirm_family_member(principal_for(sibling), link.id)
    if MOTHER in existing:
        return existing[MOTHER]
    huicheng = await District.get(code="HUICHENG")
    return await timebank.register_family_member(
        me,
        timebank.NewFamilyMember(
            FamilyRelation.PARENT, MOTHER_ADDRESS, 23.0837, 114.3828, huicheng.id, name=MOTHER
        ),
    )


async def _spend_for(me: Principal, account_id: int, mother: FamilyMember) -> None:
    """Two hours of escort to the clinic for the mother, tomorrow morning in Huizhou."""
    if await OrderPayment.exists(account_id=account_id):
        return
    tomorrow = (datetime.now(CITY_ZONE) + timedelta(days=1)).date()
    start = datetime.combine(tomorrow, time(9), CITY_ZONE)
    await timebank.spend(
        me,
        timebank.Purchase(
            category=ServiceCategory.MEDICAL_ESCORT,
            description="陪同母亲到市中心人民医院复诊",
            window_start=start,
            window_end=start + timedelta(hours=3),
            hours=Decimal(2),
            idempotency_key=f"demo-spend-{tomorrow.isoformat()}",
            family_member_id=mother.id,
        ),
    )


async def seed_timebank() -> int:
    """Returns the service records confirmed (and so deposited) in this run."""
    wanted = ["dispatcher", "volunteer", "orgadmin", "resident"]
    users = {u.username: u for u in await User.filter(username__in=wanted)}
    if "dispatcher" not in users or "volunteer" not in users:
        return 0
    volunteer = await Volunteer.get_or_none(user_id=users["volunteer"].id)
    if volunteer is None:
        return 0
    await _own_service(volunteer, users.get("resident"))
    dispatcher = principal_for(users["dispatcher"])
    filed = await _file_records()
    for record_id in filed:
        await service_records.confirm(dispatcher, record_id, note="demo data")
    me = principal_for(users["volunteer"])
    mother = await _family(me, volunteer, users.get("orgadmin"))
    account = await timebank.my_account(me)
    sibling = await Volunteer.filter(user__username="orgadmin").first()
    if sibling is not None:
        theirs = await timebank.volunteer_account(sibling.id)
        await timebank.transfer(me, None, theirs.id, Decimal(2), "demo-gift", "生日快乐")
    community = await Community.filter(district_id=volunteer.district_id).order_by("id").first()
    if community is not None:
        pool = volunteer.community_id or community.id
        await timebank.donate(me, Decimal(1), pool, "demo-donation", "捐给社区时间池")
    await _spend_for(me, account.id, mother)
    return len(filed)
