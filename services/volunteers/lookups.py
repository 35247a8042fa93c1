"""Reads of the volunteer behind a signed-in user, for resolvers that start from the principal."""

from __future__ import annotations

from models.volunteers import Volunteer


async def volunteer_of_user(user_id: int) -> Volunteer | None:
    return await Volunteer.get_or_none(user_id=user_id)
