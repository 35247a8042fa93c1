"""Webhook targets limited to the public internet (SSRF), checked at registration and on every
connection, and signing-secret rotation with a grace period of two signatures.

Names are resolved by a stand-in resolver (the `dns` fixture), so no test depends on or sends
anything to the real network: every request here goes to the receiver on 127.0.0.1, and a
refused one is refused before any connection is made."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook as StandardWebhook

from models.webhooks import DeliveryStatus, Webhook
from services import webhooks
from services.common.errors import DomainError
from services.common.principal import Principal, Scope
from services.webhooks import targets as webhook_targets
from services.webhooks.attempts import Backoff
from services.webhooks.payloads import global_id
from services.webhooks.signing import signature_header, verify
from services.webhooks.worker import WebhookWorker
from settings import Settings, get_settings
from tests.support import data_of, error_codes, gql
from tests.webhooks.receiver import OK, REDIRECT, Received, Receiver, running_receiver
from tests.webhooks.test_webhooks import ORDER_TYPES, Clock, deliveries_of, emit, make_app, settle

ROTATE = """
mutation Rotate($input: RotateWebhookSecretInput!) {
  rotateWebhookSecret(input: $input) {
    secret
    webhook { id previousSecretExpiresAt }
    errors { code field }
  }
}"""
CREATE = """
mutation Create($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id } errors { code field message } }
}"""


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

    def make(allow_private_targets: bool) -> WebhookWorker:
        backoff = Backoff(10.0, 80.0, random=lambda: 1.0)
        made.append(
            WebhookWorker(
                timeout=1.0,
                backoff=backoff,
                clock=clock,
                allow_private_targets=allow_private_targets,
            )
        )
        return made[-1]

    yield make
    for worker in made:
        await worker.stop()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host name -> addresses, in place of the system resolver; other names do not resolve."""
    table: dict[str, list[str]] = {}

    async def resolve(host: str, port: int) -> list[webhook_targets.IPAddress]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in table[host]]

    monkeypatch.setattr(webhook_targets, "resolve_name", resolve)
    return table


def use_settings(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> Settings:
    settings = get_settings().replace(**changes)
    monkeypatch.setattr(webhooks, "get_settings", lambda: settings)
    return settings


@pytest.fixture
def public_only(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """WEBHOOK_ALLOW_PRIVATE_TARGETS=0, as in production."""
    return use_settings(monkeypatch, webhook_allow_private_targets=False)


async def manager() -> Principal:
    return await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)


async def hook_at(receiver: Receiver, app: Principal, url: str) -> Webhook:
    webhook, secret = await webhooks.create_webhook(app, url, ORDER_TYPES)
    receiver.secrets[global_id("Webhook", webhook.id)] = secret
    return webhook


# Which addresses are public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, not one we bind
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not webhook_targets.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:1.1.1.1"]
)
def test_internet_addresses_are_public(address: str) -> None:
    assert webhook_targets.is_public(ipaddress.ip_address(address))


async def test_localhost_resolves_through_the_system_resolver_and_is_refused() -> None:
    # localhost comes from the hosts file: no network is asked
    addresses = await webhook_targets.addresses_of("localhost", 80)

    assert (
        ipaddress.ip_address("127.0.0.1") in addresses or ipaddress.ip_address("::1") in addresses
    )
    assert await webhook_targets.registration_refusal("http://localhost:80/h") is not None


# Registration


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://10.0.0.5/hook",
        "https://intranet.example.org/hook",  # resolves to 192.168.10.4
        "https://mixed.example.org/hook",  # one public address, one private
        "https://localhost/hook",
    ],
)
async def test_a_private_target_is_refused_at_registration(
    url: str, public_only: Settings, dns: dict[str, list[str]]
) -> None:
    dns |= {
        "intranet.example.org": ["192.168.10.4"],
        "mixed.example.org": ["93.184.216.34", "10.0.0.7"],
        "localhost": ["127.0.0.1", "::1"],
    }
    app = await manager()

    with pytest.raises(DomainError) as raised:
        await webhooks.create_webhook(app, url, ORDER_TYPES)

    [problem] = raised.value.problems
    assert (problem.code.value, problem.field) == ("TARGET_NOT_PUBLIC", "url")
    assert "public internet" in problem.message
    assert await Webhook.all().count() == 0


@pytest.mark.parametrize(
    "url", ["https://example.org:99999/h", "https://example.org:0/h", "http://[::1/h"]
)
async def test_an_unreadable_host_or_port_is_an_invalid_url(url: str) -> None:
    with pytest.raises(DomainError) as raised:
        await webhooks.create_webhook(await manager(), url, ORDER_TYPES)

    assert [(p.code.value, p.field) for p in raised.value.problems] == [("INVALID_URL", "url")]


async def test_public_and_unresolvable_names_are_registered(
    public_only: Settings, dns: dict[str, list[str]]
) -> None:
    # a name that does not resolve yet is checked when sending instead
    dns["hooks.example.org"] = ["93.184.216.34", "2606:2800:220:1::1"]
    app = await manager()

    public, _ = await webhooks.create_webhook(app, "https://hooks.example.org/vc", ORDER_TYPES)
    later, _ = await webhooks.create_webhook(app, "https://not-yet.example.org/vc", ORDER_TYPES)

    assert await Webhook.filter(id__in=[public.id, later.id]).count() == 2


async def test_changing_the_url_to_a_private_target_is_refused(
    public_only: Settings, dns: dict[str, list[str]]
) -> None:
    dns["hooks.example.org"] = ["93.184.216.34"]
    app = await manager()
    webhook, _ = await webhooks.create_webhook(app, "https://hooks.example.org/vc", ORDER_TYPES)

    changes = webhooks.WebhookChanges(url="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(DomainError) as raised:
        await webhooks.update_webhook(app, webhook.id, changes)

    assert raised.value.problems[0].code.value == "TARGET_NOT_PUBLIC"
    assert (await Webhook.get(id=webhook.id)).url == "https://hooks.example.org/vc"


async def test_the_refusal_is_a_coded_error_on_the_url_field(public_only: Settings) -> None:
    variables = {"input": {"url": "http://10.0.0.5/h", "eventTypes": ["ORDER_SUBMITTED"]}}

    made = (await data_of(CREATE, variables, await manager()))["createWebhook"]

    assert made["webhook"] is None and made["secret"] is None
    assert [(e["code"], e["field"]) for e in made["errors"]] == [("TARGET_NOT_PUBLIC", "url")]
    assert "10.0.0.5" in made["errors"][0]["message"]


# Sending


@pytest.mark.parametrize("resolved", [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"]])
async def test_a_target_that_now_resolves_privately_is_not_sent_to(
    resolved: list[str],
    receiver: Receiver,
    make_worker: Callable[..., WebhookWorker],
    public_only: Settings,
    dns: dict[str, list[str]],
) -> None:
    # given a webhook whose name resolved publicly when it was registered
    dns["hooks.example.org"] = ["93.184.216.34"]
    app = await manager()
    webhook = await hook_at(receiver, app, f"http://hooks.example.org:{receiver.port}/hook")
    await emit("ORDER_SUBMITTED")

    # when it resolves to our own machine at send time (DNS rebinding)
    dns["hooks.example.org"] = resolved
    await settle(make_worker(allow_private_targets=False))

    # then nothing reaches the receiver, and the attempt is logged with the reason
    assert receiver.received == []
    [delivery] = await deliveries_of(webhook)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.PENDING,
        1,
        None,
    )
    assert delivery.last_error.startswith("Not sent: hooks.example.org resolves to 127.0.0.1")
    assert delivery.attempt_log[0]["error"] == delivery.last_error


async def test_a_registered_private_address_is_not_sent_to_once_refused(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    # registered while private targets were allowed, sent by a worker that refuses them
    webhook = await hook_at(receiver, await manager(), receiver.url)
    await emit("ORDER_SUBMITTED")

    await settle(make_worker(allow_private_targets=False))

    assert receiver.received == []
    [delivery] = await deliveries_of(webhook)
    assert "127.0.0.1, which is not a public internet address" in delivery.last_error


async def test_the_connection_goes_to_the_address_the_worker_resolved(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker], dns: dict[str, list[str]]
) -> None:
    # given a name only our resolver knows (.invalid never resolves in real DNS)
    dns["receiver.invalid"] = ["127.0.0.1"]
    app = await manager()
    await hook_at(receiver, app, f"http://receiver.invalid:{receiver.port}/hook")
    await emit("ORDER_SUBMITTED")

    await settle(make_worker(allow_private_targets=True))

    # then it arrived, addressed to the name: httpx connected to what the check resolved
    [got] = receiver.answered(OK)
    assert got.headers["host"] == f"receiver.invalid:{receiver.port}"
    assert got.signature_valid


async def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    receiver: Receiver, make_worker: Callable[..., WebhookWorker]
) -> None:
    webhook = await hook_at(receiver, await manager(), receiver.url)
    receiver.script.append(REDIRECT)
    await emit("ORDER_SUBMITTED")

    await settle(make_worker(allow_private_targets=True))

    assert [r.answered for r in receiver.received] == [REDIRECT]
    [delivery] = await deliveries_of(webhook)
    assert (delivery.response_status, delivery.last_error) == (307, "HTTP 307")
    assert delivery.status == DeliveryStatus.PENDING


# Rotating the signing secret


def standard_valid(secret: str, got: Received) -> bool:
    """What a receiver using the Standard Webhooks library concludes, at the delivery's time."""
    headers = {k: v for k, v in got.headers.items() if k.startswith("webhook-")}
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = StandardWebhook(secret).sign(headers["webhook-id"], signed_at, got.raw.decode())
    return expected.split(",")[1] in [s.split(",")[1] for s in headers["webhook-signature"].split()]


async def test_after_a_rotation_deliveries_carry_both_signatures_until_the_grace_ends(
    receiver: Receiver,
    make_worker: Callable[..., WebhookWorker],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a webhook, and a grace period of one hour
    use_settings(monkeypatch, webhook_secret_grace_seconds=3600)
    app = await manager()
    webhook, old = await webhooks.create_webhook(app, receiver.url, ORDER_TYPES)
    worker = make_worker(allow_private_targets=True)

    # when its secret is rotated
    rotated, new = await webhooks.rotate_secret(app, webhook.id, now=clock.now)
    await emit("ORDER_SUBMITTED", orderId=1)
    await settle(worker)

    # then the next delivery is signed with the new secret and the old one, new first
    assert new.startswith("whsec_") and new != old
    assert rotated.previous_secret_expires_at == clock.now + timedelta(hours=1)
    during = receiver.received[-1]
    header = during.headers["vc-signature"]
    assert header.count("v1=") == 2
    assert verify(new, header, during.raw) and verify(old, header, during.raw)
    assert header == signature_header(new, int(header[2:].split(",")[0]), during.raw, old)
    # and so are its Standard Webhooks headers: the spec's library accepts either secret
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert standard_valid(new, during) and standard_valid(old, during)

    # and once the grace period is over, only the new secret signs
    clock.advance(3600)
    await emit("ORDER_SUBMITTED", orderId=2)
    await settle(worker)
    after = receiver.received[-1]
    assert after.body["data"]["orderId"] == 2
    assert after.headers["vc-signature"].count("v1=") == 1
    assert verify(new, after.headers["vc-signature"], after.raw)
    assert not verify(old, after.headers["vc-signature"], after.raw)
    assert standard_valid(new, after) and not standard_valid(old, after)


async def test_without_a_grace_period_the_old_secret_stops_at_once(
    receiver: Receiver,
    make_worker: Callable[..., WebhookWorker],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_settings(monkeypatch, webhook_secret_grace_seconds=0)
    app = await manager()
    webhook, old = await webhooks.create_webhook(app, receiver.url, ORDER_TYPES)

    rotated, new = await webhooks.rotate_secret(app, webhook.id, now=clock.now)
    await emit("ORDER_SUBMITTED")
    await settle(make_worker(allow_private_targets=True))

    [got] = receiver.received
    assert rotated.previous_secret is None and rotated.previous_secret_expires_at is None
    assert verify(new, got.headers["vc-signature"], got.raw)
    assert not verify(old, got.headers["vc-signature"], got.raw)


async def test_a_second_rotation_keeps_only_the_secret_before_it(clock: Clock) -> None:
    app = await manager()
    webhook, first = await webhooks.create_webhook(app, "https://hooks.example.org/vc", ORDER_TYPES)

    _, second = await webhooks.rotate_secret(app, webhook.id, now=clock.now)
    _, third = await webhooks.rotate_secret(app, webhook.id, now=clock.now)

    stored = await Webhook.get(id=webhook.id)
    assert (stored.secret, stored.previous_secret) == (third, second)
    assert first not in (stored.secret, stored.previous_secret)


async def test_an_app_rotates_its_webhooks_secret_through_graphql() -> None:
    app = await manager()
    made = await data_of(
        CREATE,
        {"input": {"url": "https://hooks.example.org/vc", "eventTypes": ["ORDER_SUBMITTED"]}},
        app,
    )
    hook = made["createWebhook"]["webhook"]["id"]

    rotated = (await data_of(ROTATE, {"input": {"webhook": hook}}, app))["rotateWebhookSecret"]
    other = await data_of(ROTATE, {"input": {"webhook": hook}}, await manager())
    reader = await gql(ROTATE, {"input": {"webhook": hook}}, await make_app(Scope.READ))

    assert rotated["errors"] == [] and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != made["createWebhook"]["secret"]
    assert rotated["webhook"]["id"] == hook and rotated["webhook"]["previousSecretExpiresAt"]
    assert other["rotateWebhookSecret"] == {
        "secret": None,
        "webhook": None,
        "errors": [{"code": "WEBHOOK_NOT_FOUND", "field": "webhook"}],
    }
    assert error_codes(reader) == ["NOT_PERMITTED"]
    assert (await Webhook.get()).secret == rotated["secret"]
