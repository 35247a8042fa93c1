"""What each kind of help asks of a volunteer: the one table `suggestVolunteers` ranks by.

For every service category: the skills that make a volunteer fit for it (`core`: having any one
of them is a fit), the skills that help without making a fit (`helpful`), and the certified
qualification (a skill granted by the training school, still valid) that a careful dispatcher
would want. A category with no core skill (errands, other) is open to anyone. Keep this table
complete: a test fails when a category has no entry."""

from __future__ import annotations

from dataclasses import dataclass

from models.dispatch import ServiceCategory
from models.volunteers import Skill


@dataclass(frozen=True)
class CategoryNeeds:
    core: frozenset[Skill]
    helpful: frozenset[Skill] = frozenset()
    qualification: Skill | None = None


def _needs(
    core: tuple[Skill, ...], helpful: tuple[Skill, ...] = (), qualification: Skill | None = None
) -> CategoryNeeds:
    return CategoryNeeds(frozenset(core), frozenset(helpful), qualification)


S = Skill
CATEGORY_NEEDS: dict[ServiceCategory, CategoryNeeds] = {
    ServiceCategory.ELDERLY_CARE: _needs(
        (S.ELDERLY_CARE,), (S.FIRST_AID, S.MEDICAL, S.PSYCHOLOGICAL_SUPPORT), S.FIRST_AID
    ),
    ServiceCategory.CHILD_CARE: _needs((S.CHILD_CARE,), (S.TUTORING, S.FIRST_AID), S.FIRST_AID),
    ServiceCategory.MEDICAL_ESCORT: _needs(
        (S.MEDICAL, S.FIRST_AID), (S.DRIVING, S.ELDERLY_CARE), S.FIRST_AID
    ),
    ServiceCategory.HOME_REPAIR: _needs((S.HOME_REPAIR,), (S.IT_SUPPORT,)),
    ServiceCategory.TUTORING: _needs((S.TUTORING,), (S.CHILD_CARE,)),
    ServiceCategory.COMPANIONSHIP: _needs(
        (S.ELDERLY_CARE, S.PSYCHOLOGICAL_SUPPORT), (S.CULTURAL_PERFORMANCE, S.SIGN_LANGUAGE)
    ),
    ServiceCategory.ERRANDS: _needs((), (S.DRIVING,)),
    ServiceCategory.LEGAL_AID: _needs((S.LEGAL_AID,), (), S.LEGAL_AID),
    ServiceCategory.PSYCHOLOGICAL_SUPPORT: _needs(
        (S.PSYCHOLOGICAL_SUPPORT,), (S.MEDICAL,), S.PSYCHOLOGICAL_SUPPORT
    ),
    ServiceCategory.TRANSLATION: _needs((S.TRANSLATION, S.SIGN_LANGUAGE)),
    ServiceCategory.ENVIRONMENTAL: _needs((S.ENVIRONMENTAL,), (S.EVENT_SUPPORT,)),
    ServiceCategory.EVENT_SUPPORT: _needs(
        (S.EVENT_SUPPORT,), (S.TRAFFIC_GUIDANCE, S.FIRST_AID, S.CULTURAL_PERFORMANCE)
    ),
    ServiceCategory.OTHER: _needs(()),
}


def needs_of(category: ServiceCategory) -> CategoryNeeds:
    return CATEGORY_NEEDS[category]
