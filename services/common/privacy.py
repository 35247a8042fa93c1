"""Who may see a volunteer's personal data (phone, ID number, exact home location)."""

from __future__ import annotations

from dataclasses import dataclass

from models.accounts import Role
from services.common.principal import Principal, Scope


@dataclass(frozen=True)
class PersonalDataAccess:
    phone: bool = False
    id_number: bool = False
    home_location: bool = False


FULL = PersonalDataAccess(phone=True, id_number=True, home_location=True)
NONE = PersonalDataAccess()


def access_to_volunteer(
    principal: Principal,
    volunteer_user_id: int | None,
    shares_organization_as_admin: bool,
) -> PersonalDataAccess:
    """The owner and city administrators see everything. A dispatcher needs to call and find a
    volunteer but not their ID number. An organisation admin may call its own members. Apps
    see it only with the personal-data scope. Everyone else sees masked values."""
    if principal.user_id is not None and principal.user_id == volunteer_user_id:
        return FULL
    if principal.has_role(Role.ADMIN) or principal.has_scope(Scope.PERSONAL_DATA):
        return FULL
    if principal.has_role(Role.DISPATCHER):
        return PersonalDataAccess(phone=True, home_location=True)
    if shares_organization_as_admin:
        return PersonalDataAccess(phone=True)
    return NONE
