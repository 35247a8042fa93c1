"""Webhooks at the service level: registration rules, and the delivery worker against a real
local receiver (tests/webhooks/receiver.py) that verifies signatures and fails, times out and
recovers on cue. The worker's clock and back-off are injected, so nothing here waits for a
retry: the test moves the clock on instead."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus
from services import api_clients, certificates, webhooks
from services.certificates.lifecycle import Issuance
from services.certificates.records import CITY_ZONE
from services.common.errors import DomainError, NotAuthenticated, NotPermitted
from services.common.principal import ANONYMOUS, Principal, Scope
from services.webhooks.attempts import Backoff
from services.webhooks.payloads import global_id
from services.webhooks.signing import is_standard, new_secret, signature_header, standard_headers
from services.webhooks.worker import WebhookWorker
from subscriptions.events import atomic
from tests.certificates.support import serve, world
from tests.support import make_user
from tests.webhooks.receiver import FAIL, OK, SLOW, Receiver, running_receiver

ORDER_TYPES = ["ORDER_SUBMITTED", "ORDER_ASSIGNED"]


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_worker(clock: Clock) -> AsyncIterator[Callable[..., WebhookWorker]]:
    made: list[WebhookWorker] = []

    def make(**options: Any) -> WebhookWorker:
        # Back-off without jitter: 10 s, 20 s, 40 s, then 80 s at most.
        defaults: dict[str, Any] = {
            "timeout": 1.0,
            "retry_window": timedelta(hours=24),
            "backoff": Backoff(10.0, 80.0, random=lambda: 1.0),
            "clock": clock,
            # the receiver is on 127.0.0.1 (tests/webhooks/test_hardening.py covers refusals)
            "allow_private_targets": True,
        }
        worker = WebhookWorker(**(defaults | options))
        made.append(worker)
        return worker

    yield make
    for worker in made:
        await worker.stop()


async def settle(worker: WebhookWorker, rounds: int = 30) -> None:
    """Runs rounds until one finds nothing to do."""
    for _ in range(rounds):
        if not await worker.run_once():
            return
    raise AssertionError("the worker never settled")


async def make_app(*scopes: str) -> Principal:
    _, key = await api_clients.create_api_client("district system", list(scopes))
    checked = await api_clients.check_key(key)
    assert checked is not None
    return checked.principal


async def emit(type_: str, **payload: Any) -> None:
    async with atomic() as tx:
        tx.record(type_, ["center:1"], {"orderId": 1, **payload})


async def registered(receiver: Receiver, app: Principal, types: list[str] | None = None) -> Webhook:
    webhook, secret = await webhooks.create_webhook(app, receiver.url, types or ORDER_TYPES)
    receiver.secrets[global_id("Webhook", webhook.id)] = secret
    return webhook


async def deliveries_of(webhook: Webhook) -> list[WebhookDelivery]:
    return await WebhookDelivery.filter(webhook_id=webhook.id).order_by("id")


# Registration


async def test_only_apps_with_the_manage_scope_register_webhooks() -> None:
    _, user = await make_user("admin.he")
    reader = await make_app(Scope.READ)
    for principal, error in [(ANONYMOUS, NotAuthenticated), (user, NotPermitted)]:
        with pytest.raises(error):
            await webhooks.create_webhook(principal, "https://example.org/h", ORDER_TYPES)
    with pytest.raises(NotPermitted):
        await webhooks.create_webhook(reader, "https://example.org/h", ORDER_TYPES)
    assert await Webhook.all().count() == 0


async def test_a_bad_registration_reports_every_problem_and_creates_nothing() -> None:
    # given an app that may manage webhooks but not see dispatch events
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.READ)

    # when it asks for a bad URL, an unknown type and a type beyond its scopes
    with pytest.raises(DomainError) as raised:
        await webhooks.create_webhook(
            app, "ftp://example.org/h", ["ORDER_SUBMITTED", "NO_SUCH_EVENT"], "x" * 201
        )
    with pytest.raises(DomainError) as empty:
        await webhooks.create_webhook(app, "https://user:pw@example.org/h", [])

    # then every problem is named, and nothing is registered
    assert [(p.code.value, p.field) for p in raised.value.problems] == [
        ("INVALID_URL", "url"),
        ("UNKNOWN_EVENT_TYPE", "eventTypes"),
        ("EVENT_TYPE_NOT_PERMITTED", "eventTypes"),
        ("DESCRIPTION_TOO_LONG", "description"),
    ]
    assert [p.code.value for p in empty.value.problems] == ["INVALID_URL", "NO_EVENT_TYPES"]
    assert await Webhook.all().count() == 0


async def test_an_app_sees_and_changes_only_its_own_webhooks(receiver: Receiver) -> None:
    mine = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    other = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, mine)

    with pytest.raises(DomainError) as raised:
        await webhooks.update_webhook(other, webhook.id, webhooks.WebhookChanges(enabled=False))

    assert raised.value.problems[0].code.value == "WEBHOOK_NOT_FOUND"
    assert await webhooks.own_webhooks(other).count() == 0
    assert (await Webhook.get(id=webhook.id)).status == WebhookStatus.ACTIVE


# Delivery


async def test_committed_events_of_the_chosen_types_arrive_signed_and_in_order(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    # given an event from before the webhook, then events of chosen and other types
    await emit("ORDER_SUBMITTED", note="before")
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    await emit("ORDER_SUBMITTED", orderId=7, note="call 138 0013 8000")
    await emit("ORDER_CANCELLED", orderId=7)
    await emit("ORDER_ASSIGNED", orderId=7, volunteerIds=[3])
    await emit("ORDER_SUBMITTED", orderId=8)

    # when the worker runs (twice: the second round finds nothing more)
    worker = make_worker()
    await settle(worker)
    await settle(worker)

    # then the receiver got the chosen events since registration, once each, in order, signed
    got = receiver.received
    assert [r.body["type"] for r in got] == ["ORDER_SUBMITTED", "ORDER_ASSIGNED", "ORDER_SUBMITTED"]
    assert [r.body["data"]["orderId"] for r in got] == [7, 7, 8]
    assert [r.event_id for r in got] == sorted(r.event_id for r in got)
    assert all(r.signature_valid and r.standard_valid for r in got)
    assert len({r.delivery_id for r in got}) == 3
    # and the Standard Webhooks id is the delivery's, the same one the VC header names
    assert all(r.headers["webhook-id"] == r.delivery_id for r in got)
    first = got[0]
    assert first.headers["vc-event-type"] == "ORDER_SUBMITTED"
    assert first.headers["vc-attempt"] == "1"
    assert first.headers["vc-event-id"] == str(first.event_id)
    assert first.headers["content-type"] == "application/json"
    # the note is free text that may name people: only apps with personal_data:read get it
    assert "note" not in first.body["data"]
    assert first.body["cursor"] and first.body["webhookId"] == global_id("Webhook", webhook.id)
    log = await deliveries_of(webhook)
    assert [(d.status, d.attempts, d.response_status) for d in log] == [
        (DeliveryStatus.SUCCEEDED, 1, 200)
    ] * 3
    assert all(d.latency_ms is not None and d.delivered_at for d in log)


async def test_an_app_with_personal_data_scope_gets_the_note(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH, Scope.PERSONAL_DATA)
    await registered(receiver, app)
    await emit("ORDER_SUBMITTED", note="call 138 0013 8000")

    await settle(make_worker())

    assert receiver.received[0].body["data"]["note"] == "call 138 0013 8000"


async def test_certificate_events_reach_an_export_app_with_the_certificate_number(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    w = await world()
    await serve(w, w.organization_id)
    exporter = await make_app(Scope.WEBHOOKS_MANAGE, Scope.EXPORT)
    types = ["CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED"]
    webhook = await registered(receiver, exporter, types)
    today = datetime.now(CITY_ZONE).date()
    (requested,) = await certificates.request(w.volunteer, today - timedelta(days=7), today, None)
    issued = await certificates.issue(w.boss, Issuance(requested.id, "李负责", "0752-2345678"))
    await certificates.revoke(w.boss, issued.id, "服务时长登记有误")

    await settle(make_worker())

    got = [(r.body["type"], r.body["data"]) for r in receiver.received]
    expected = {
        "certificateId": issued.id,
        "volunteerId": w.volunteer_id,
        "organizationId": w.organization_id,
        "number": issued.number,
    }
    assert got == [
        ("CERTIFICATE_ISSUED", expected | {"status": "ISSUED"}),
        ("CERTIFICATE_REVOKED", expected | {"status": "REVOKED"}),
    ]
    assert all(r.signature_valid for r in receiver.received)
    assert len(await deliveries_of(webhook)) == 2


async def test_a_failing_receiver_is_retried_with_backoff_and_holds_back_later_events(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker], clock: Clock
) -> None:
    # given a receiver that fails twice with 500 before it recovers
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    receiver.script.extend([FAIL, FAIL])
    await emit("ORDER_SUBMITTED", orderId=1)
    await emit("ORDER_SUBMITTED", orderId=2)
    worker = make_worker()

    # when the worker runs: the first attempt fails, and the second event waits behind it
    await settle(worker)
    first, second = await deliveries_of(webhook)
    assert (first.attempts, first.response_status, first.last_error) == (1, 500, "HTTP 500")
    assert first.next_attempt_at == clock.now + timedelta(seconds=10)
    assert (second.attempts, second.status) == (0, DeliveryStatus.PENDING)

    # nothing is tried before the back-off has passed
    clock.advance(9)
    await settle(worker)
    assert len(receiver.received) == 1

    # then it is retried after 10 s, fails, waits twice as long, and succeeds
    clock.advance(1)
    await settle(worker)
    first, _ = await deliveries_of(webhook)
    assert first.next_attempt_at == clock.now + timedelta(seconds=20)
    clock.advance(20)
    await settle(worker)

    # and the second event follows it, in order
    assert [(r.body["data"]["orderId"], r.answered) for r in receiver.received] == [
        (1, FAIL),
        (1, FAIL),
        (1, OK),
        (2, OK),
    ]
    assert [r.headers["vc-attempt"] for r in receiver.received] == ["1", "2", "3", "1"]
    first, second = await deliveries_of(webhook)
    assert first.status == second.status == DeliveryStatus.SUCCEEDED
    assert [a["responseStatus"] for a in first.attempt_log] == [500, 500, 200]
    assert first.next_attempt_at is None


async def test_a_receiver_that_answers_too_late_is_retried(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker], clock: Clock
) -> None:
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    receiver.script.append(SLOW)
    receiver.slow_seconds = 2.5
    await emit("ORDER_SUBMITTED")
    worker = make_worker(timeout=1.0)

    await settle(worker)
    [delivery] = await deliveries_of(webhook)
    assert delivery.response_status is None
    assert delivery.last_error == "No answer within 1 s."
    assert delivery.status == DeliveryStatus.PENDING

    clock.advance(10)
    await settle(worker)
    [delivery] = await deliveries_of(webhook)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        2,
        200,
    )


async def test_after_the_retry_window_a_delivery_fails_and_the_webhook_is_disabled(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker], clock: Clock
) -> None:
    # given a receiver that is down for good, and a retry window of one hour
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    receiver.default = FAIL
    await emit("ORDER_SUBMITTED", orderId=1)
    await emit("ORDER_SUBMITTED", orderId=2)
    worker = make_worker(retry_window=timedelta(hours=1))

    # when the worker keeps trying for more than the window
    for _ in range(60):
        await settle(worker)
        clock.advance(80)

    # then the first delivery is given up after at least the window, the webhook is disabled,
    # and the second one never went out
    first, second = await deliveries_of(webhook)
    assert first.status == DeliveryStatus.FAILED
    assert first.last_attempt_at and first.first_attempt_at
    assert first.last_attempt_at - first.first_attempt_at >= timedelta(hours=1)
    assert first.attempts == len(first.attempt_log) >= 3
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)
    disabled = await Webhook.get(id=webhook.id)
    assert disabled.status == WebhookStatus.DISABLED
    assert "failed" in disabled.disabled_reason
    tries = len(receiver.received)

    # an event committed meanwhile is not lost; re-enabled, the webhook resumes where it stopped
    await emit("ORDER_SUBMITTED", orderId=3)
    await settle(worker)
    assert len(receiver.received) == tries
    receiver.default = OK
    await webhooks.update_webhook(app, webhook.id, webhooks.WebhookChanges(enabled=True))
    await settle(worker)
    assert [r.body["data"]["orderId"] for r in receiver.answered(OK)] == [2, 3]

    # and the failed one goes out when redelivered by hand
    await webhooks.redeliver(app, first.id)
    await settle(worker)
    assert [r.body["data"]["orderId"] for r in receiver.answered(OK)] == [2, 3, 1]
    first = await WebhookDelivery.get(id=first.id)
    assert first.status == DeliveryStatus.SUCCEEDED
    assert first.attempt_log[-1]["responseStatus"] == 200


async def test_a_delivered_event_can_be_redelivered(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker], clock: Clock
) -> None:
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    await emit("ORDER_SUBMITTED")
    worker = make_worker()
    await settle(worker)
    [delivery] = await deliveries_of(webhook)

    await webhooks.redeliver(app, delivery.id)
    clock.advance(1)  # the worker's frozen clock catches up with the redelivery's real time
    await settle(worker)

    assert [r.delivery_id for r in receiver.received] == [
        global_id("WebhookDelivery", delivery.id)
    ] * 2
    assert receiver.received[1].headers["vc-attempt"] == "2"
    assert receiver.received[0].body == receiver.received[1].body


async def test_two_workers_never_send_one_delivery_twice(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    # given three webhooks and ten events each
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    hooks = [await registered(receiver, app) for _ in range(3)]
    for order_id in range(10):
        await emit("ORDER_SUBMITTED", orderId=order_id)

    # when two workers (two processes) run at the same time
    first, second = make_worker(), make_worker()
    await asyncio.gather(settle(first), settle(second))

    # then every webhook got every event exactly once, in order
    for hook in hooks:
        got = [
            r
            for r in receiver.received
            if r.headers["vc-webhook-id"] == global_id("Webhook", hook.id)
        ]
        assert [r.body["data"]["orderId"] for r in got] == list(range(10))
    assert await WebhookDelivery.filter(status=DeliveryStatus.SUCCEEDED).count() == 30


async def test_a_dead_workers_lease_expires_and_another_takes_over(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    # given a webhook claimed by a process that then died
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    await emit("ORDER_SUBMITTED")
    now = datetime.now(UTC)
    await Webhook.filter(id=webhook.id).update(
        lease_owner="dead", lease_until=now + timedelta(minutes=1)
    )
    worker = make_worker()

    # when another worker runs while the lease holds, it leaves the webhook alone
    await settle(worker)
    assert receiver.received == []

    # then, once the lease has expired, it takes over from the cursor
    await Webhook.filter(id=webhook.id).update(lease_until=now - timedelta(seconds=1))
    await settle(worker)
    assert len(receiver.answered(OK)) == 1


async def test_revoking_an_app_stops_its_webhooks(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    app = await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)
    webhook = await registered(receiver, app)
    assert app.api_client_id is not None

    await api_clients.revoke(app.api_client_id)
    await emit("ORDER_SUBMITTED")
    await settle(make_worker())

    assert receiver.received == []
    assert (await Webhook.get(id=webhook.id)).status == WebhookStatus.DISABLED


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    fixed = Backoff(10.0, 3600.0, random=lambda: 1.0)
    assert [fixed.delay(n) for n in (1, 2, 3, 9, 10, 50)] == [10, 20, 40, 2560, 3600, 3600]
    jittered = Backoff(10.0, 3600.0, random=lambda: 0.0)
    assert [jittered.delay(n) for n in (1, 2, 10)] == [5, 10, 1800]


def _readme_verifiers(repo_root: Path) -> list[Any]:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    snippets = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "def verify" in b]
    verifiers = []
    for snippet in snippets:
        namespace: dict[str, Any] = {}
        exec(snippet, namespace)  # noqa: S102 - our own documentation
        verifiers.append(namespace["verify"])
    return verifiers


def test_the_readme_standard_webhooks_snippet_accepts_our_signatures_only(repo_root: Path) -> None:
    # given the README's Standard Webhooks check, and a delivery's headers as we send them
    verify, _deprecated = _readme_verifiers(repo_root)
    body, secret, other, now = b'{"id": 1}', new_secret(), new_secret(), int(time.time())
    headers = standard_headers(secret, "V2ViaG9va0RlbGl2ZXJ5Ojk=", now, body)

    # then it accepts them, and refuses a changed body, id, secret or an old timestamp
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(secret, {**headers, "webhook-id": "V2ViaG9va0RlbGl2ZXJ5OjEw"}, body)
    assert not verify(other, headers, body)
    assert not verify(secret, standard_headers(secret, "x", now - 600, body), body)
    # and, during a rotation's grace period, either secret verifies the two signatures
    rotated = standard_headers(other, "x", now, body, secret)
    assert len(rotated["webhook-signature"].split(" ")) == 2
    assert verify(other, rotated, body) and verify(secret, rotated, body)
    assert not verify(new_secret(), rotated, body)


def test_a_secret_from_before_standard_signing_gets_the_deprecated_header_only() -> None:
    # given a secret made the old way (URL-safe base64, which the spec's libraries misread)
    legacy = "whsec_" + "-_" * 21 + "A"
    # then no standard headers are made with it, and a new secret is standard
    assert not is_standard(legacy) and standard_headers(legacy, "x", 1, b"{}") == {}
    assert is_standard(new_secret())
    assert not is_standard("whsec_" + base64.b64encode(b"short").decode())


def test_the_readme_deprecated_snippet_accepts_our_signatures_only(repo_root: Path) -> None:
    # given the README's check of the deprecated VC-Signature header
    _standard, verify = _readme_verifiers(repo_root)
    body, secret, now = b'{"id": 1}', "whsec_test", int(time.time())

    # then it accepts a signature we make, and refuses a changed body, secret or an old one
    header = signature_header(secret, now, body)
    assert verify(secret, header, body)
    assert not verify(secret, header, body + b" ")
    assert not verify("whsec_other", header, body)
    assert not verify(secret, signature_header(secret, now - 600, body), body)
    # and, during a rotation's grace period, either secret verifies the two-signature header
    rotated = signature_header("whsec_new", now, body, secret)
    assert rotated.count("v1=") == 2
    assert verify("whsec_new", rotated, body) and verify(secret, rotated, body)
    assert not verify("whsec_other", rotated, body)
