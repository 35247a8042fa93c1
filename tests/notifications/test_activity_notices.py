"""A volunteer hears of each decision about their activity sign-up (confirmed, waitlisted,
promoted, rejected, removed) and is reminded of a session they are confirmed for a day before
it, once per sign-up whichever workers run and however often."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry import relay

from models.activities import SignUpMethod, SignUpStatus
from models.events import Event
from models.notifications import Notification, NotificationDelivery
from services.activities import catalogue, sign_ups
from services.activities.sign_ups import Decision
from services.common.principal import Principal
from services.notifications.recipients import ACTIVITY_SESSION_REMINDER
from tests.activities.support import (
    first_position,
    first_session,
    organiser,
    published,
    volunteers,
)
from tests.notifications.receivers import Mailbox
from tests.notifications.support import Channels, Clock, settle
from tests.support import data_of

NODE = "query ($id: ID!) { node(id: $id) { __typename ... on ActivitySignUp { status } } }"


async def told(principal: Principal) -> list[tuple[str, str, int | None, bool]]:
    rows = await Notification.filter(user_id=principal.user_id).order_by("id")
    return [(n.kind, n.object_type, n.object_id, n.urgent) for n in rows]


async def test_each_sign_up_decision_reaches_its_volunteer(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    admin, organization_id = await organiser()
    activity = await published(
        admin,
        organization_id,
        signup_method=SignUpMethod.APPROVAL,
    )
    session, position = await first_session(activity), await first_position(activity)
    first, second, third, fourth = await volunteers(4)
    # The position takes two: the first two are confirmed, the third waits
    a = await sign_ups.sign_up(first, session.id, position.id)
    b = await sign_ups.sign_up(second, session.id, position.id)
    c = await sign_ups.sign_up(third, session.id, position.id)
    d = await sign_ups.sign_up(fourth, session.id, position.id)
    await sign_ups.decide(admin, a.id, Decision.APPROVE)
    await sign_ups.decide(admin, b.id, Decision.APPROVE)
    await sign_ups.decide(admin, c.id, Decision.APPROVE)
    await sign_ups.decide(admin, d.id, Decision.REJECT, "本次只需有急救证的志愿者")
    # Removing a confirmed volunteer gives the place to the waiting list
    await sign_ups.decide(admin, a.id, Decision.REMOVE, "未按时到岗培训")
    await settle(channels.worker(clock))

    # Two days ahead: nothing here is urgent
    assert await told(first) == [
        ("SIGN_UP_CONFIRMED", "ActivitySignUp", a.id, False),
        ("SIGN_UP_REMOVED", "ActivitySignUp", a.id, False),
    ]
    assert await told(second) == [("SIGN_UP_CONFIRMED", "ActivitySignUp", b.id, False)]
    assert await told(third) == [
        ("SIGN_UP_WAITLISTED", "ActivitySignUp", c.id, False),
        ("SIGN_UP_PROMOTED", "ActivitySignUp", c.id, False),
    ]
    assert await told(fourth) == [("SIGN_UP_REJECTED", "ActivitySignUp", d.id, False)]
    # The organiser's own requests tell nobody else; the note is passed on
    assert await told(admin) == []
    rejected = await Notification.get(user_id=fourth.user_id)
    assert "周末义诊" in rejected.body and "本次只需有急救证的志愿者" in rejected.body
    removed = await Notification.get(user_id=first.user_id, kind="SIGN_UP_REMOVED")
    assert "未按时到岗培训" in removed.body
    # Each links to the sign-up, which its volunteer can open
    promoted = await Notification.get(user_id=third.user_id, kind="SIGN_UP_PROMOTED")
    assert promoted.object_id is not None
    subject = str(relay.GlobalID(promoted.object_type, str(promoted.object_id)))
    node = (await data_of(NODE, {"id": subject}, third))["node"]
    assert node == {"__typename": "ActivitySignUp", "status": "CONFIRMED"}
    # Once on each further channel too (their registered phone)
    assert await NotificationDelivery.filter(user_id=third.user_id).count() == 2


async def test_a_place_changing_within_a_day_of_the_session_is_urgent(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    admin, organization_id = await organiser()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    activity = await published(
        admin, organization_id, sessions=[(start, start + timedelta(hours=2))]
    )
    session, position = await first_session(activity), await first_position(activity)
    first, second, third = await volunteers(3)
    a = await sign_ups.sign_up(first, session.id, position.id)
    await sign_ups.sign_up(second, session.id, position.id)
    c = await sign_ups.sign_up(third, session.id, position.id)
    assert c.status == SignUpStatus.WAITLISTED
    await sign_ups.decide(admin, a.id, Decision.REMOVE)
    await settle(channels.worker(clock))
    assert (await told(first))[-1] == ("SIGN_UP_REMOVED", "ActivitySignUp", a.id, True)
    assert (await told(third))[-1] == ("SIGN_UP_PROMOTED", "ActivitySignUp", c.id, True)
    # A waiting-list place is not news that cannot wait
    assert (await told(third))[0] == ("SIGN_UP_WAITLISTED", "ActivitySignUp", c.id, False)


async def test_cancelling_an_activity_tells_each_volunteer_whose_place_it_ended(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    admin, organization_id = await organiser()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    activity = await published(
        admin, organization_id, sessions=[(start, start + timedelta(hours=2))]
    )
    session, position = await first_session(activity), await first_position(activity)
    first, second, third, gone = await volunteers(4)
    a = await sign_ups.sign_up(first, session.id, position.id)
    b = await sign_ups.sign_up(second, session.id, position.id)
    c = await sign_ups.sign_up(third, session.id, position.id)
    assert c.status == SignUpStatus.WAITLISTED
    d = await sign_ups.sign_up(gone, session.id, position.id)
    await sign_ups.cancel_own(gone, d.id)
    await settle(channels.worker(clock))
    before = {p.user_id: len(await told(p)) for p in (first, second, third, gone)}

    await catalogue.cancel(admin, activity.id)
    await settle(channels.worker(clock))

    # Confirmed and waiting alike, urgent (the session is within a day), once each
    for who, row in ((first, a), (second, b), (third, c)):
        news = (await told(who))[before[who.user_id] :]
        assert news == [("ACTIVITY_CANCELLED", "ActivitySignUp", row.id, True)]
    # Whoever had already cancelled is not told again; nor is the organiser
    assert len(await told(gone)) == before[gone.user_id]
    assert await told(admin) == []
    notice = await Notification.get(user_id=first.user_id, kind="ACTIVITY_CANCELLED")
    assert "周末义诊" in notice.body


async def test_a_confirmed_volunteer_is_reminded_once_a_day_before_the_session(
    mailbox: Mailbox, channels: Channels
) -> None:
    admin, organization_id = await organiser()
    activity = await published(admin, organization_id)
    session, position = await first_session(activity), await first_position(activity)
    confirmed, cancelled, waiting, late = await volunteers(4)
    kept = await sign_ups.sign_up(confirmed, session.id, position.id)
    gone = await sign_ups.sign_up(cancelled, session.id, position.id)
    queued = await sign_ups.sign_up(waiting, session.id, position.id)
    assert queued.status == SignUpStatus.WAITLISTED
    await sign_ups.cancel_own(cancelled, gone.id)  # the waiting one is promoted
    await sign_ups.decide(admin, queued.id, Decision.REMOVE)
    # A day and a minute before the session: not yet
    clock = Clock(session.starts_at - timedelta(hours=24, minutes=1))
    worker = channels.worker(clock, reminder_every=timedelta(0))
    await settle(worker)
    assert await Notification.filter(kind=ACTIVITY_SESSION_REMINDER).count() == 0

    clock.advance(120)
    await settle(worker)
    # Confirmed within the day: reminded at the next check
    late_sign_up = await sign_ups.sign_up(late, session.id, position.id)
    assert late_sign_up.status == SignUpStatus.CONFIRMED
    # Checked again by this worker, a restarted one and a second process
    await settle(worker)
    await worker.stop()
    await settle(channels.worker(clock, reminder_every=timedelta(0)))
    await settle(channels.worker(clock, reminder_every=timedelta(0)))

    reminders = await Notification.filter(kind=ACTIVITY_SESSION_REMINDER).order_by("id")
    assert [(n.user_id, n.object_type, n.object_id) for n in reminders] == [
        (confirmed.user_id, "ActivitySignUp", kept.id),
        (late.user_id, "ActivitySignUp", late_sign_up.id),
    ]
    assert "周末义诊" in reminders[0].body and "好人驿站" in reminders[0].body
    assert await Event.filter(type=ACTIVITY_SESSION_REMINDER).count() == 2
    # One SMS each to their phone, and nothing more
    assert (
        await NotificationDelivery.filter(notification_id__in=[r.id for r in reminders]).count()
        == 2
    )


async def test_a_sign_up_cancelled_after_its_reminder_was_logged_is_not_reminded(
    mailbox: Mailbox, channels: Channels
) -> None:
    from services.notifications.reminders import log_session_reminders

    admin, organization_id = await organiser()
    activity = await published(admin, organization_id)
    session, position = await first_session(activity), await first_position(activity)
    (volunteer,) = await volunteers(1)
    row = await sign_ups.sign_up(volunteer, session.id, position.id)
    now = session.starts_at - timedelta(hours=23)
    assert await log_session_reminders(now, timedelta(hours=24)) == 1
    assert await log_session_reminders(now, timedelta(hours=24)) == 0
    await sign_ups.cancel_own(volunteer, row.id)
    await settle(channels.worker(Clock(now)))
    assert await Notification.filter(kind=ACTIVITY_SESSION_REMINDER).count() == 0
