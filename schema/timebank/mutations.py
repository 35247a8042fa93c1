from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from models.dispatch import ServiceCategory, Urgency
from models.timebank import FamilyMember, FamilyRelation, Transfer
from models.volunteers import Skill
from schema.core.context import Info
from schema.core.errors import attempt, payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.dispatch.types import OrderType
from schema.timebank.family_types import FamilyMemberType
from schema.timebank.types import (
    FamilyMemberPayload,
    SpendTimePayload,
    TimeTransfer,
    TimeTransferPayload,
)
from schema.volunteers.mutations import GeoPointInput
from services import timebank
from services.common.principal import Principal
from services.timebank.errors import TimeBankErrorCode

KEY_DESCRIPTION = (
    "Your unique key for this request (1-100 characters): a retry with the same key and input "
    "returns the first transfer and moves nothing more; other input is IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(description="Give credits to another volunteer, e.g. a family member.")
class TransferTimeInput:
    to: relay.GlobalID = strawberry.field(
        description="The recipient: a Volunteer ID, or the ID of their TimeAccount."
    )
    amount: Decimal = strawberry.field(description="Credits, more than 0, two decimals at most.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="A note (≤200).")


@strawberry.input(description="Give credits to a community's pool.")
class DonateTimeInput:
    community: relay.GlobalID = strawberry.field(description="The community.")
    amount: Decimal = strawberry.field(description="Credits, more than 0, two decimals at most.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="A note (≤200).")


@strawberry.input(description="Where service is wanted.")
class PlaceInput:
    address: str = strawberry.field(description="Street address (2-256).")
    location: GeoPointInput = strawberry.field(description="Map point, inside Huizhou.")
    district: relay.GlobalID = strawberry.field(description="District of the address.")
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")


@strawberry.input(
    description="Buy a service order with credits, for yourself or a confirmed family member. "
    "Price: hours * volunteersNeeded * CREDITS_PER_HOUR (an hour for an hour)."
)
class SpendTimeInput:
    category: ServiceCategory = strawberry.field(description="Kind of help.")
    description: str = strawberry.field(description="What is needed (2-2000).")
    window_start: datetime = strawberry.field(description="Help wanted from.")
    window_end: datetime = strawberry.field(description="Help wanted until (max 24 h later).")
    hours: Decimal = strawberry.field(
        description="How long the service takes per volunteer: more than 0, two decimals, at "
        "most the window's length."
    )
    volunteers_needed: int = strawberry.field(default=1, description="1-50.")
    required_skills: list[Skill] = strawberry.field(
        default_factory=list, description="Skills needed."
    )
    urgency: Urgency = strawberry.field(default=Urgency.NORMAL, description="Urgency.")
    place: PlaceInput | None = strawberry.field(
        default=None, description="Where, for yourself; leave out for a family member."
    )
    for_family_member: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A confirmed FamilyMember you registered: served at their registered address.",
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    memo: str = strawberry.field(default="", description="A note for your statement (≤200).")


@strawberry.input(
    description="A relative to register: `memberUsername` for one who signs in (they confirm "
    "the link), or only `name` for a dependant (the link counts at once)."
)
class RegisterFamilyMemberInput:
    relation: FamilyRelation = strawberry.field(description="How they are related to you.")
    member_username: str | None = strawberry.field(
        default=None, description="Their username, if they have an account."
    )
    name: str = strawberry.field(
        default="", description="Their name (1-64); for an account, defaults to its name."
    )
    address: str = strawberry.field(description="Where service for them is given (2-256).")
    location: GeoPointInput = strawberry.field(description="Map point, inside Huizhou.")
    district: relay.GlobalID = strawberry.field(description="District of the address.")
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")


@strawberry.input(description="A family link.")
class FamilyMemberActionInput:
    family_member: relay.GlobalID = strawberry.field(description="The FamilyMember.")


async def _payload(call: Awaitable[Transfer]) -> TimeTransferPayload:
    return await payload(
        TimeTransferPayload,
        call,
        lambda row: TimeTransferPayload(transfer=TimeTransfer.from_model(row)),
    )


async def _family(call: Awaitable[FamilyMember]) -> FamilyMemberPayload:
    return await payload(
        FamilyMemberPayload,
        call,
        lambda row: FamilyMemberPayload(family_member=FamilyMemberType.from_model(row)),
    )


async def _on_link(
    info: Info,
    input: FamilyMemberActionInput,
    action: Callable[[Principal, int], Awaitable[FamilyMember]],
) -> FamilyMemberPayload:
    principal = info.context.principal
    return await _family(action(principal, decode_id(input.family_member, "FamilyMember") or -1))


def _optional_id(given: relay.GlobalID | None, type_name: str) -> int | None:
    """None when not given; -1 (which names nothing) for an ID of another type."""
    return None if given is None else decode_id(given, type_name) or -1


async def _recipient_account(to: relay.GlobalID) -> int | None:
    if to.type_name == "Volunteer":
        volunteer_id = decode_id(to, "Volunteer")
        if volunteer_id is None:
            return None
        account, _ = await attempt(timebank.volunteer_account(volunteer_id))
        return account.id if account else None
    return decode_id(to, "TimeAccount")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Give credits from your time account to another volunteer's. Refused "
        "(and nothing moves) below your floor or above their cap.",
        extensions=[requires()],
    )
    async def transfer_time(self, info: Info, input: TransferTimeInput) -> TimeTransferPayload:
        principal = info.context.principal
        to_id = await _recipient_account(input.to)
        if to_id is None:
            return TimeTransferPayload.failed(
                problem(TimeBankErrorCode.ACCOUNT_NOT_FOUND, "No such account.", "to")
            )
        call = timebank.transfer(
            principal, None, to_id, input.amount, input.idempotency_key, input.memo
        )
        return await _payload(call)

    @strawberry.mutation(
        description="Donate credits from your time account to a community pool.",
        extensions=[requires()],
    )
    async def donate_time(self, info: Info, input: DonateTimeInput) -> TimeTransferPayload:
        principal = info.context.principal
        community_id = decode_id(input.community, "Community")
        if community_id is None:
            return TimeTransferPayload.failed(
                problem(TimeBankErrorCode.COMMUNITY_NOT_FOUND, "No such community.", "community")
            )
        call = timebank.donate(
            principal, input.amount, community_id, input.idempotency_key, input.memo
        )
        return await _payload(call)

    @strawberry.mutation(
        description="Spend credits on a service order for yourself or a confirmed family "
        "member, from the configured star level (default 1★): the withdrawal and the order "
        "are made together, and cancelling the order (or its expiry) refunds it.",
        extensions=[requires()],
    )
    async def spend_time(self, info: Info, input: SpendTimeInput) -> SpendTimePayload:
        principal = info.context.principal
        place = None
        if input.place is not None:
            place = timebank.Place(
                address=input.place.address,
                lat=input.place.location.lat,
                lng=input.place.location.lng,
                # An ID of another type names nothing: reported as unknown by the service.
                district_id=decode_id(input.place.district, "District") or -1,
                community_id=_optional_id(input.place.community, "Community"),
            )
        purchase = timebank.Purchase(
            category=input.category,
            description=input.description,
            window_start=input.window_start,
            window_end=input.window_end,
            hours=input.hours,
            idempotency_key=input.idempotency_key,
            volunteers_needed=input.volunteers_needed,
            required_skills=[Skill(s) for s in input.required_skills],
            urgency=input.urgency,
            place=place,
            family_member_id=_optional_id(input.for_family_member, "FamilyMember"),
            memo=input.memo,
        )
        return await payload(
            SpendTimePayload,
            timebank.spend(principal, purchase),
            lambda spent: SpendTimePayload(
                transfer=TimeTransfer.from_model(spent.transfer),
                order=OrderType.from_model(spent.order),
            ),
        )

    @strawberry.mutation(
        description="Register a relative with the time bank (you must be a volunteer).",
        extensions=[requires()],
    )
    async def register_family_member(
        self, info: Info, input: RegisterFamilyMemberInput
    ) -> FamilyMemberPayload:
        principal = info.context.principal
        data = timebank.NewFamilyMember(
            relation=input.relation,
            address=input.address,
            lat=input.location.lat,
            lng=input.location.lng,
            district_id=decode_id(input.district, "District") or -1,
            community_id=_optional_id(input.community, "Community"),
            member_username=input.member_username,
            name=input.name,
        )
        return await _family(timebank.register_family_member(principal, data))

    @strawberry.mutation(
        description="Confirm a family link that names you.", extensions=[requires()]
    )
    async def confirm_family_member(
        self, info: Info, input: FamilyMemberActionInput
    ) -> FamilyMemberPayload:
        return await _on_link(info, input, timebank.confirm_family_member)

    @strawberry.mutation(
        description="End a family link, as the volunteer or the relative.",
        extensions=[requires()],
    )
    async def remove_family_member(
        self, info: Info, input: FamilyMemberActionInput
    ) -> FamilyMemberPayload:
        return await _on_link(info, input, timebank.remove_family_member)
