"""Fan-out: an event's database reads happen once however many subscribe, and subscribers of the
same document and audience share one execution — while different audiences never share, so
personal-data masking holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from strawberry import relay
from strawberry.types import ExecutionResult

from models.accounts import Role
from schema.core.context import Context
from services.common.principal import Principal, Scope
from services.dispatch import assignments
from subscriptions import events
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import SCHEMA, count_statements, make_user, make_volunteer

FEED = """subscription ($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor
    ... on DispatchEvent {
      type status
      order { id status district { name } dispatchCenter { name parent { name } }
        assignments { status volunteer { realName phone idNumber personalDataVisible } } }
    }
  }
}"""
# The same, with a variable the selection set uses.
FEED_MAYBE_PHONE = """subscription ($center: ID!, $phone: Boolean!) {
  dispatchFeed(dispatchCenter: $center) {
    ... on DispatchEvent {
      type order { assignments { volunteer { realName phone @include(if: $phone) } } }
    }
  }
}"""

Stream = AsyncGenerator[ExecutionResult, None]


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def subscribe(
    hub: EventHub, principal: Principal, center: int, document: str = FEED, **variables: Any
) -> Stream:
    stream = await SCHEMA.subscribe(
        document,
        variable_values={"center": gid("DispatchCenter", center), **variables},
        context_value=Context(principal=principal, hub=hub),
    )
    assert hasattr(stream, "__anext__"), stream
    return stream  # type: ignore[return-value]


async def attached(hub: EventHub, streams: list[Stream]) -> list[asyncio.Task[ExecutionResult]]:
    """Each stream waiting for its first event, once all are attached to the hub."""
    before = hub.subscriber_count()
    tasks = [asyncio.create_task(anext(s)) for s in streams]  # type: ignore[arg-type]
    for _ in range(200):
        if hub.subscriber_count() - before == len(streams):
            return tasks
        await asyncio.sleep(0.02)
    raise AssertionError("subscribers did not attach")


async def close(hub: EventHub, streams: list[Stream]) -> None:
    """Closes the streams and waits until the hub has let go of them (which takes a step)."""
    expected = hub.subscriber_count() - len(streams)
    for stream in streams:
        await stream.aclose()
    for _ in range(200):
        if hub.subscriber_count() <= expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscribers did not detach")


def feed(result: ExecutionResult) -> dict[str, Any]:
    assert result.errors is None, result.errors
    assert result.data is not None
    return dict(result.data["dispatchFeed"])


def volunteer_of(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data["order"]["assignments"][0]["volunteer"])


def reads(statements: list[str]) -> list[str]:
    """Statements other than the hub's reads of the log, whose number depends on timing (a
    bus echo or heartbeat may wake it once more) and never on subscribers."""
    return [s for s in statements if 'FROM "event"' not in s]


async def test_an_events_reads_do_not_grow_with_its_subscribers(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    center = centers["district"].id
    orders = [await huicheng_order(who["resident"], hours_from_now=h) for h in (2, 10)]
    counts = []
    for order_id, subscribers in zip(orders, (1, 50), strict=True):
        streams = [await subscribe(hub, who["dispatcher"], center) for _ in range(subscribers)]
        waiting = await attached(hub, streams)
        with count_statements() as counter:
            await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
            results = await asyncio.wait_for(asyncio.gather(*waiting), 20)
        await close(hub, streams)
        assert {feed(r)["order"]["id"] for r in results} == {gid("ServiceOrder", order_id)}
        assert all(volunteer_of(feed(r))["phone"] == "13800138000" for r in results)
        counts.append(len(reads(counter.statements)))
    assert counts[0] == counts[1], counts


async def test_one_audience_shares_one_execution(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    _, other_dispatcher = await make_user("dispatcher2", Role.DISPATCHER)
    center = centers["district"].id
    order_id = await huicheng_order(who["resident"])
    resume = events.encode_cursor(await events.latest_id())
    streams = [
        await subscribe(hub, who["dispatcher"], center),
        await subscribe(hub, other_dispatcher, center),
        # Another cursor only changes where the stream starts, not how its events execute.
        await subscribe(hub, other_dispatcher, center, after=resume),
    ]
    waiting = await attached(hub, streams)
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    first, second, third = await asyncio.wait_for(asyncio.gather(*waiting), 20)
    await close(hub, streams)
    assert first.data == second.data == third.data
    # One execution: the very same result, not three equal ones.
    assert first.data is second.data and second.data is third.data
    volunteer = volunteer_of(feed(first))
    assert volunteer["phone"] == "13800138000" and volunteer["personalDataVisible"]
    assert "*" in volunteer["idNumber"]  # a dispatcher may call, not read the ID number


async def test_different_audiences_never_share_and_masking_holds(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    # An app following the feed with the dispatch scope, not personal data.
    app = Principal(api_client_id=1, scopes=frozenset({Scope.DISPATCH}))
    _, admin = await make_user("admin1", Role.ADMIN)
    volunteer: Principal = who["volunteer"]
    # The assigned volunteer, also a dispatcher: sees their own ID number, which no other
    # dispatcher may; so they must not share the dispatchers' execution (nor give them theirs).
    volunteer_dispatcher = Principal(
        user_id=volunteer.user_id, roles=volunteer.roles | {Role.DISPATCHER}
    )
    center = centers["district"].id
    order_id = await huicheng_order(who["resident"])
    principals = [who["dispatcher"], app, admin, volunteer_dispatcher]
    # The volunteer-dispatcher subscribes first, so a wrongly shared execution would be theirs.
    streams = [await subscribe(hub, p, center) for p in reversed(principals)]
    waiting = await attached(hub, streams)
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    results = list(reversed(await asyncio.wait_for(asyncio.gather(*waiting), 20)))
    await close(hub, streams)
    dispatcher, dispatch_app, administrator, themself = (volunteer_of(feed(r)) for r in results)
    assert dispatcher["phone"] == "13800138000" and "*" in dispatcher["idNumber"]
    assert dispatch_app["phone"] == "138****8000" and "*" in dispatch_app["idNumber"]
    assert not dispatch_app["personalDataVisible"]
    assert "*" not in administrator["idNumber"] and administrator["phone"] == "13800138000"
    assert "*" not in themself["idNumber"]
    assert len({id(r.data) for r in results}) == 4


async def test_variables_the_selection_uses_split_the_sharing(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    center = centers["district"].id
    order_id = await huicheng_order(who["resident"])
    streams = [
        await subscribe(hub, who["dispatcher"], center, FEED_MAYBE_PHONE, phone=flag)
        for flag in (True, False, True)
    ]
    waiting = await attached(hub, streams)
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    with_phone, without, again = await asyncio.wait_for(asyncio.gather(*waiting), 20)
    await close(hub, streams)
    assert volunteer_of(feed(with_phone))["phone"] == "13800138000"
    assert "phone" not in volunteer_of(feed(without))
    assert with_phone.data is again.data and with_phone.data is not without.data


async def test_subscribers_leaving_do_not_cancel_the_shared_execution(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    center = centers["district"].id
    order_id = await huicheng_order(who["resident"])
    streams = [await subscribe(hub, who["dispatcher"], center) for _ in range(5)]
    waiting = await attached(hub, streams)
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    views = hub.views(await events.latest_id())
    for _ in range(10_000):
        executions = views.get("fanout.executions")
        if executions and not all(
            isinstance(e, ExecutionResult) or e.done() for e in executions.values()
        ):
            break
        await asyncio.sleep(0)
    else:
        raise AssertionError("never saw the shared execution in flight")
    # Four of the five go away while it runs; whoever started it (likely among them), the last
    # one still gets its result.
    for task in waiting[:4]:
        task.cancel()
    (result,) = await asyncio.wait_for(asyncio.gather(waiting[4]), 20)
    for stream in streams[:4]:
        await stream.aclose()
    await close(hub, streams[4:])
    assert feed(result)["order"]["id"] == gid("ServiceOrder", order_id)


async def test_a_personal_audience_still_shares_the_events_reads(hub: EventHub) -> None:
    """Volunteers execute on their own (their identity changes what they see), but with the
    event's rows: adding them costs no statement."""
    centers = await make_centers()
    who = await people()
    center = centers["district"].id
    orders = [await huicheng_order(who["resident"], hours_from_now=h) for h in (2, 10)]
    counts = []
    for order_id, extra in zip(orders, (0, 5), strict=True):
        principals = [who["dispatcher"]]
        for i in range(extra):
            _, principal, _ = await make_volunteer(f"v-{order_id}-{i}")
            principals.append(Principal(user_id=principal.user_id, roles=frozenset({Role.ADMIN})))
        streams = [await subscribe(hub, p, center) for p in principals]
        waiting = await attached(hub, streams)
        with count_statements() as counter:
            await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
            results = await asyncio.wait_for(asyncio.gather(*waiting), 20)
        await close(hub, streams)
        assert len({id(r.data) for r in results}) == len(principals)
        counts.append(len(reads(counter.statements)))
    # One more statement at most: the admin-organisation lookup, batched for all of them.
    assert counts[1] <= counts[0] + 1, counts
