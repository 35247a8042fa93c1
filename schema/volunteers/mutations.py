from __future__ import annotations

from collections.abc import Awaitable
from datetime import date

import strawberry
from strawberry import relay

from models.volunteers import Availability, Gender, Skill, Volunteer, VolunteerStatus
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.geography.types import GeoPointInput as GeoPointInput
from schema.volunteers.types import VolunteerPayload, VolunteerType
from services import volunteers
from services.common.errors import Problem
from services.volunteers.errors import VolunteerErrorCode


@strawberry.input(description="Registration in the volunteer registry.")
class RegisterVolunteerInput:
    real_name: str = strawberry.field(description="Real name as on the ID card.")
    id_number: str = strawberry.field(description="18-character resident ID number.")
    phone: str = strawberry.field(description="Mobile (13800138000) or landline (0752-1234567).")
    district: relay.GlobalID = strawberry.field(description="District of residence.")
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")
    gender: Gender | None = strawberry.field(
        default=None, description="Defaults to the one encoded in the ID number."
    )
    birth_date: date | None = strawberry.field(
        default=None, description="If given, must match the ID number."
    )
    home_location: GeoPointInput | None = strawberry.field(
        default=None, description="Home, for matching nearby needs. Only you and staff see it."
    )
    skills: list[Skill] = strawberry.field(default_factory=list, description="Skills.")
    availability: list[Availability] = strawberry.field(
        default_factory=list, description="Usual free time slots."
    )


@strawberry.input(description="Changes to a volunteer profile; omitted fields stay as they are.")
class UpdateVolunteerProfileInput:
    volunteer: relay.GlobalID = strawberry.field(description="The volunteer.")
    phone: str | None = strawberry.field(default=None, description="New phone.")
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="New district; the community is cleared unless given too."
    )
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")
    home_location: GeoPointInput | None = strawberry.field(default=None, description="Home.")
    skills: list[Skill] | None = strawberry.field(default=None, description="Skills.")
    availability: list[Availability] | None = strawberry.field(
        default=None, description="Free time slots."
    )
    status: VolunteerStatus | None = strawberry.field(
        default=None, description="Administrators only."
    )


async def _payload(call: Awaitable[Volunteer]) -> VolunteerPayload:
    return await payload(
        VolunteerPayload,
        call,
        lambda row: VolunteerPayload(volunteer=VolunteerType.from_model(row)),
    )


def _place(
    district: relay.GlobalID | None, community: relay.GlobalID | None
) -> tuple[int | None, int | None, list[Problem]]:
    district_id = decode_id(district, "District")
    if district is not None and district_id is None:
        return (
            None,
            None,
            problem(VolunteerErrorCode.UNKNOWN_DISTRICT, "No such district.", "district"),
        )
    community_id = decode_id(community, "Community")
    if community is not None and community_id is None:
        return (
            None,
            None,
            problem(VolunteerErrorCode.UNKNOWN_COMMUNITY, "No such community.", "community"),
        )
    return district_id, community_id, []


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register in the volunteer registry: yourself when signed in as a resident; "
        "someone else when you are a dispatcher or administrator.",
        extensions=[requires()],
    )
    async def register_volunteer(
        self, info: Info, input: RegisterVolunteerInput
    ) -> VolunteerPayload:
        district_id, community_id, problems = _place(input.district, input.community)
        if problems or district_id is None:
            return VolunteerPayload.failed(problems)
        location = input.home_location
        data = volunteers.Registration(
            real_name=input.real_name,
            id_number=input.id_number,
            phone=input.phone,
            district_id=district_id,
            community_id=community_id,
            gender=input.gender,
            birth_date=input.birth_date,
            home_lat=location.lat if location else None,
            home_lng=location.lng if location else None,
            skills=list(input.skills),
            availability=list(input.availability),
        )
        return await _payload(volunteers.register(info.context.principal, data))

    @strawberry.mutation(
        description="Change a volunteer profile (the volunteer or an administrator).",
        extensions=[requires()],
    )
    async def update_volunteer_profile(
        self, info: Info, input: UpdateVolunteerProfileInput
    ) -> VolunteerPayload:
        volunteer_id = decode_id(input.volunteer, "Volunteer")
        if volunteer_id is None:
            return VolunteerPayload.failed(
                problem(VolunteerErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "volunteer")
            )
        district_id, community_id, problems = _place(input.district, input.community)
        if problems:
            return VolunteerPayload.failed(problems)
        location = input.home_location
        changes = volunteers.ProfileChanges(
            phone=input.phone,
            district_id=district_id,
            community_id=community_id,
            home_lat=location.lat if location else None,
            home_lng=location.lng if location else None,
            skills=list(input.skills) if input.skills is not None else None,
            availability=list(input.availability) if input.availability is not None else None,
            status=input.status,
        )
        return await _payload(
            volunteers.update_profile(info.context.principal, volunteer_id, changes)
        )
