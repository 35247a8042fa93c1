"""A volunteer hears when a certificate is issued to them, when their request is declined and
when a certificate is revoked, each with the certificate to open; a request tells them nothing
they do not know."""

from __future__ import annotations

from datetime import datetime, timedelta

from strawberry import relay

from models.notifications import Notification
from services import certificates
from services.certificates.lifecycle import Issuance
from services.certificates.records import CITY_ZONE
from tests.certificates.support import serve, world
from tests.notifications.receivers import Mailbox
from tests.notifications.support import Channels, Clock, settle
from tests.support import data_of

TODAY = datetime.now(CITY_ZONE).date()
WEEK = (TODAY - timedelta(days=7), TODAY)
NODE = "query ($id: ID!) { node(id: $id) { __typename ... on Certificate { status } } }"


async def test_issue_decline_and_revocation_reach_the_volunteer(
    mailbox: Mailbox, channels: Channels, clock: Clock
) -> None:
    w = await world()
    await serve(w, w.organization_id)
    worker = channels.worker(clock)
    await settle(worker)
    before = await Notification.filter(user_id=w.volunteer.user_id).count()

    (first,) = await certificates.request(w.volunteer, *WEEK, None)
    await certificates.decline(w.boss, first.id, "请按自然月申请")
    (second,) = await certificates.request(w.volunteer, *WEEK, None)
    issued = await certificates.issue(w.boss, Issuance(second.id, "李负责", "0752-2345678"))
    await certificates.revoke(w.boss, second.id, "服务时长登记有误")
    await settle(worker)

    told = await Notification.filter(user_id=w.volunteer.user_id).order_by("id").offset(before)
    assert [(n.kind, n.object_type, n.object_id) for n in told] == [
        ("CERTIFICATE_DECLINED", "Certificate", first.id),
        ("CERTIFICATE_ISSUED", "Certificate", second.id),
        ("CERTIFICATE_REVOKED", "Certificate", second.id),
    ]
    declined, made, revoked = told
    assert "惠城区红马甲志愿服务队" in declined.body and "请按自然月申请" in declined.body
    assert issued.number is not None and issued.number in made.body
    assert "服务时长登记有误" in revoked.body
    # The organisation's admin is not told of their own acts
    assert not await Notification.filter(
        user_id=w.boss.user_id, kind__startswith="CERTIFICATE_"
    ).exists()
    # Each opens the certificate, for its volunteer
    subject = str(relay.GlobalID("Certificate", str(second.id)))
    node = (await data_of(NODE, {"id": subject}, w.volunteer))["node"]
    assert node == {"__typename": "Certificate", "status": "REVOKED"}
