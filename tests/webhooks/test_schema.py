"""Webhooks through the GraphQL schema: registration, the event-type registry, the delivery
log connection (with a statement count), redelivery, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from models.events import Event
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from services import api_clients
from services.common.principal import Principal, Scope
from services.webhooks import event_types as webhook_events
from tests.support import count_statements, data_of, error_codes, gql, make_user

CREATE = """
mutation Create($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    secret
    webhook { id url eventTypes status description }
    errors { code field message }
  }
}"""
UPDATE = """
mutation Update($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) { webhook { status disabledReason eventTypes } errors { code } }
}"""
DELETE = """
mutation Delete($input: DeleteWebhookInput!) {
  deleteWebhook(input: $input) { deletedId errors { code field } }
}"""
REDELIVER = """
mutation Redeliver($input: RedeliverWebhookDeliveryInput!) {
  redeliverWebhookDelivery(input: $input) {
    delivery { id status nextAttemptAt attemptCount }
    errors { code field }
  }
}"""
HOOKS = "query { webhooks { totalCount nodes { id url } } }"
TYPES = "query { webhookEventTypes { type scope personalFields } }"
DELIVERIES = """
query Log($webhook: ID!, $status: WebhookDeliveryStatus, $first: Int) {
  webhookDeliveries(webhook: $webhook, status: $status, first: $first) {
    totalCount
    edges { cursor node {
      id eventType eventCursor status attemptCount responseStatus latencyMs lastError
      nextAttemptAt lastAttemptAt deliveredAt createdAt
      attempts { number at responseStatus latencyMs error }
    } }
    pageInfo { hasNextPage }
  }
}"""
URL = "https://receiver.example.org/hooks/vc"


async def make_app(*scopes: str) -> Principal:
    _, key = await api_clients.create_api_client("district system", list(scopes))
    checked = await api_clients.check_key(key)
    assert checked is not None
    return checked.principal


async def manager() -> Principal:
    return await make_app(Scope.WEBHOOKS_MANAGE, Scope.DISPATCH)


async def create(app: Principal, **overrides: Any) -> dict[str, Any]:
    variables = {"input": {"url": URL, "eventTypes": ["ORDER_SUBMITTED"]} | overrides}
    payload: dict[str, Any] = (await data_of(CREATE, variables, app))["createWebhook"]
    return payload


async def queued(webhook_gid: str, count: int) -> list[WebhookDelivery]:
    """`count` deliveries of a webhook, as the worker would have queued them."""
    webhook_id = int(relay.GlobalID.from_id(webhook_gid).node_id)
    made = []
    for n in range(count):
        event = await Event.create(type="ORDER_SUBMITTED", topics="|center:1|", payload={"n": n})
        made.append(
            await WebhookDelivery.create(
                webhook_id=webhook_id,
                event_id=event.id,
                event_type=event.type,
                attempts=1,
                response_status=500,
                last_error="HTTP 500",
                attempt_log=[
                    {
                        "number": 1,
                        "at": "2026-05-01T08:00:00+00:00",
                        "responseStatus": 500,
                        "latencyMs": 12,
                        "error": "HTTP 500",
                    }
                ],
            )
        )
    return made


async def test_an_app_registers_a_webhook_and_sees_its_secret_once() -> None:
    app = await manager()

    made = await create(app, description="orders for the district system")

    assert made["errors"] == []
    assert made["secret"].startswith("whsec_")
    assert made["webhook"] | {"id": None} == {
        "id": None,
        "url": URL,
        "eventTypes": ["ORDER_SUBMITTED"],
        "status": "ACTIVE",
        "description": "orders for the district system",
    }
    listed = (await data_of(HOOKS, None, app))["webhooks"]
    assert listed == {"totalCount": 1, "nodes": [{"id": made["webhook"]["id"], "url": URL}]}
    # the secret is never part of the webhook's fields
    assert "secret" not in str(listed)


async def test_bad_input_is_coded_and_registers_nothing() -> None:
    app = await make_app(Scope.WEBHOOKS_MANAGE)

    made = await create(app, url="not a url", eventTypes=["ORDER_SUBMITTED"])
    empty = await create(app, eventTypes=[])

    assert made["webhook"] is None and made["secret"] is None
    assert [(e["code"], e["field"]) for e in made["errors"]] == [
        ("INVALID_URL", "url"),
        ("EVENT_TYPE_NOT_PERMITTED", "eventTypes"),
    ]
    assert [(e["code"], e["field"]) for e in empty["errors"]] == [("NO_EVENT_TYPES", "eventTypes")]
    assert await Webhook.all().count() == 0


@pytest.mark.parametrize("mutation", ["create", "update"])
async def test_an_event_type_outside_the_enum_is_a_validation_error(mutation: str) -> None:
    app = await manager()
    hook = (await create(app))["webhook"]["id"]
    if mutation == "create":
        result = await gql(CREATE, {"input": {"url": URL, "eventTypes": ["NOPE"]}}, app)
    else:
        result = await gql(UPDATE, {"input": {"webhook": hook, "eventTypes": ["NOPE"]}}, app)

    assert result.data is None and result.errors is not None
    message = result.errors[0].message
    assert "Value 'NOPE' does not exist in 'WebhookEventTypeName' enum" in message
    assert [w.event_types for w in await Webhook.all()] == [["ORDER_SUBMITTED"]]


async def test_the_event_type_enum_is_the_registry() -> None:
    query = '{ __type(name: "WebhookEventTypeName") { enumValues { name } } }'
    names = [v["name"] for v in (await data_of(query))["__type"]["enumValues"]]

    assert names == [kind.type for kind in webhook_events.known_kinds()]
    assert "TIME_TRANSFERRED" not in names


async def test_the_event_type_registry_is_public() -> None:
    kinds = {k["type"]: k for k in (await data_of(TYPES))["webhookEventTypes"]}

    assert kinds["ORDER_SUBMITTED"] == {
        "type": "ORDER_SUBMITTED",
        "scope": "DISPATCH",
        "personalFields": ["note"],
    }
    assert "RECORD_CONFIRMED" in kinds
    # civic issues are public cases (as on Open311): an app with `read` may follow them
    assert kinds["CIVIC_ISSUE_REPORTED"]["scope"] == "READ"
    # time-bank movements are their holder's business: no app may subscribe to them
    assert "TIME_TRANSFERRED" not in kinds
    # certificates are followed by the national volunteer system, which holds `export`
    for type_ in ("REQUESTED", "ISSUED", "DECLINED", "REVOKED"):
        assert kinds[f"CERTIFICATE_{type_}"]["scope"] == "EXPORT"


async def test_certificate_events_need_the_export_scope() -> None:
    types = ["CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED"]
    refused = await create(await manager(), eventTypes=types)
    assert [e["code"] for e in refused["errors"]] == ["EVENT_TYPE_NOT_PERMITTED"]
    exporter = await make_app(Scope.WEBHOOKS_MANAGE, Scope.EXPORT)
    made = await create(exporter, eventTypes=types)
    assert made["errors"] == [] and made["webhook"]["eventTypes"] == types


@pytest.mark.parametrize("who", ["anonymous", "admin user", "app without the scope"])
async def test_only_apps_with_the_scope_manage_webhooks(who: str) -> None:
    if who == "anonymous":
        principal, code = Principal(), "NOT_AUTHENTICATED"
    elif who == "admin user":
        from models.accounts import Role

        principal, code = (await make_user("ops.admin", Role.ADMIN))[1], "NOT_PERMITTED"
    else:
        principal, code = await make_app(Scope.DISPATCH, Scope.READ), "NOT_PERMITTED"
    made = await create(await manager())
    hook = made["webhook"]["id"]

    results = [
        await gql(CREATE, {"input": {"url": URL, "eventTypes": ["ORDER_SUBMITTED"]}}, principal),
        await gql(UPDATE, {"input": {"webhook": hook, "enabled": False}}, principal),
        await gql(DELETE, {"input": {"webhook": hook}}, principal),
        await gql(HOOKS, None, principal),
        await gql(DELIVERIES, {"webhook": hook}, principal),
    ]

    assert [error_codes(r) for r in results] == [[code]] * 5
    assert await Webhook.all().count() == 1


async def test_another_apps_webhook_is_not_found() -> None:
    hook = (await create(await manager()))["webhook"]["id"]
    other = await manager()

    updated = await data_of(UPDATE, {"input": {"webhook": hook, "enabled": False}}, other)
    deleted = await data_of(DELETE, {"input": {"webhook": hook}}, other)
    log = await gql(DELIVERIES, {"webhook": hook}, other)
    node = await data_of("query($id: ID!) { node(id: $id) { id } }", {"id": hook}, other)

    assert updated["updateWebhook"]["errors"] == [{"code": "WEBHOOK_NOT_FOUND"}]
    assert deleted["deleteWebhook"]["errors"] == [{"code": "WEBHOOK_NOT_FOUND", "field": "webhook"}]
    assert error_codes(log) == ["WEBHOOK_NOT_FOUND"]
    assert node == {"node": None}


async def test_the_delivery_log_shows_attempts_and_filters_by_status() -> None:
    app = await manager()
    hook = (await create(app))["webhook"]["id"]
    first, _ = await queued(hook, 2)
    await WebhookDelivery.filter(id=first.id).update(status=DeliveryStatus.SUCCEEDED)

    log = (await data_of(DELIVERIES, {"webhook": hook}, app))["webhookDeliveries"]
    pending = (await data_of(DELIVERIES, {"webhook": hook, "status": "PENDING"}, app))[
        "webhookDeliveries"
    ]

    assert log["totalCount"] == 2 and pending["totalCount"] == 1
    node = log["edges"][0]["node"]
    assert node["status"] == "SUCCEEDED"
    assert (node["eventType"], node["attemptCount"], node["responseStatus"]) == (
        "ORDER_SUBMITTED",
        1,
        500,
    )
    assert node["attempts"] == [
        {
            "number": 1,
            "at": "2026-05-01T08:00:00+00:00",
            "responseStatus": 500,
            "latencyMs": 12,
            "error": "HTTP 500",
        }
    ]
    assert pending["edges"][0]["node"]["status"] == "PENDING"


async def test_a_page_of_100_deliveries_costs_what_a_page_of_one_does() -> None:
    app = await manager()
    hook = (await create(app))["webhook"]["id"]
    await queued(hook, 100)

    with count_statements() as one:
        await data_of(DELIVERIES, {"webhook": hook, "first": 1}, app)
    with count_statements() as hundred:
        page = await data_of(DELIVERIES, {"webhook": hook, "first": 100}, app)

    assert len(page["webhookDeliveries"]["edges"]) == 100
    assert len(hundred.statements) == len(one.statements)


async def test_redeliver_queues_a_finished_delivery_again() -> None:
    app = await manager()
    hook = (await create(app))["webhook"]["id"]
    [delivery] = await queued(hook, 1)
    await WebhookDelivery.filter(id=delivery.id).update(status=DeliveryStatus.FAILED)
    delivery_gid = str(relay.GlobalID("WebhookDelivery", str(delivery.id)))

    again = (await data_of(REDELIVER, {"input": {"delivery": delivery_gid}}, app))[
        "redeliverWebhookDelivery"
    ]
    other = await data_of(REDELIVER, {"input": {"delivery": delivery_gid}}, await manager())

    assert again["errors"] == []
    assert again["delivery"]["status"] == "PENDING" and again["delivery"]["nextAttemptAt"]
    assert again["delivery"]["attemptCount"] == 1
    assert other["redeliverWebhookDelivery"]["errors"] == [
        {"code": "DELIVERY_NOT_FOUND", "field": "delivery"}
    ]


async def test_pause_resume_and_delete() -> None:
    app = await manager()
    hook = (await create(app))["webhook"]["id"]
    await queued(hook, 1)

    paused = await data_of(UPDATE, {"input": {"webhook": hook, "enabled": False}}, app)
    resumed = await data_of(
        UPDATE, {"input": {"webhook": hook, "enabled": True, "eventTypes": ["ORDER_ASSIGNED"]}}, app
    )
    deleted = await data_of(DELETE, {"input": {"webhook": hook}}, app)

    assert paused["updateWebhook"]["webhook"]["status"] == "DISABLED"
    assert resumed["updateWebhook"]["webhook"] == {
        "status": "ACTIVE",
        "disabledReason": "",
        "eventTypes": ["ORDER_ASSIGNED"],
    }
    assert deleted["deleteWebhook"] == {"deletedId": hook, "errors": []}
    assert await Webhook.all().count() == 0 and await WebhookDelivery.all().count() == 0
