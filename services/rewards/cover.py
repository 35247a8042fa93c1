"""Accident insurance for active volunteers, and commendations (嘉许).

The seed: the city bought insurance in 2016 for every volunteer of the city's own units and
gives emergency rescue for accidents in service. A policy is recorded once; volunteers are
covered under it one by one or all active ones at once (one INSERT ... SELECT, so a city-wide
policy costs the same few statements for 450,000 volunteers). Insurance is personal: the
volunteer and staff (administrators, dispatchers) see it. Commendations are public honours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.accounts import Role
from models.organizations import Membership, MembershipRole, MembershipStatus, Organization
from models.rewards import Commendation, InsuranceCoverage, InsurancePolicy
from models.volunteers import Volunteer, VolunteerStatus
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.principal import Principal
from services.rewards import check_text, not_found, placeholders, require_admin, volunteer_by_id
from services.rewards.errors import RewardsErrorCode

MAX_VOLUNTEERS_PER_CALL = 500
CITY_ISSUER = "惠州市志愿服务联合会"
POLICY = "InsurancePolicy"
POLICY_FIELDS = ("policy_number", "insurer", "coverage", "sum_insured", "starts_on", "ends_on")


@dataclass
class NewPolicy:
    policy_number: str
    insurer: str
    coverage: str
    starts_on: date
    ends_on: date
    sum_insured: Decimal | None = None


async def record_policy(principal: Principal, data: NewPolicy) -> InsurancePolicy:
    require_admin(principal)
    return await enter_policy(await Actor.admin(principal), data)


async def enter_policy(actor: Actor, data: NewPolicy) -> InsurancePolicy:
    """`record_policy` for an actor already known to administer (the console: no recording
    user on the row, the audit entry says who ran the command)."""
    collector = Collector()
    number = check_text(collector, data.policy_number, "policyNumber", limit=64)
    insurer = check_text(collector, data.insurer, "insurer", limit=128)
    coverage = check_text(collector, data.coverage, "coverage", limit=500)
    if not data.starts_on < data.ends_on:
        collector.add(RewardsErrorCode.INVALID_PERIOD, "`to` must be after `from`.", "to")
    amount = data.sum_insured
    _check_amount(collector, amount)
    collector.raise_if_any()
    try:
        async with in_transaction():
            policy = await InsurancePolicy.create(
                policy_number=number,
                insurer=insurer,
                coverage=coverage,
                sum_insured=amount,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                recorded_by_id=actor.user.id if actor.user else None,
            )
            after = snapshot(policy, POLICY_FIELDS)
            await actor.record("recordInsurancePolicy", POLICY, policy.id, None, after)
    except IntegrityError as exc:
        raise DomainError(
            RewardsErrorCode.DUPLICATE_POLICY, "This policy is already recorded.", "policyNumber"
        ) from exc
    return policy


def _check_amount(collector: Collector, amount: Decimal | None) -> None:
    if amount is None:
        return
    try:
        fine = amount.is_finite() and Decimal(0) < amount < Decimal(10) ** 10
    except (InvalidOperation, AttributeError):
        fine = False
    if not fine or amount != amount.quantize(Decimal("0.01")):
        collector.add(RewardsErrorCode.INVALID_AMOUNT, "A positive amount in yuan.", "sumInsured")


@dataclass(frozen=True)
class PolicyChange:
    """What to set; None leaves a field as it is. The policy number never changes: it is how
    the insurer knows the policy."""

    insurer: str | None = None
    coverage: str | None = None
    sum_insured: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None


async def update_policy(
    principal: Principal, policy_id: int, change: PolicyChange
) -> InsurancePolicy:
    return await correct_policy(await Actor.admin(principal), policy_id, change)


async def correct_policy(actor: Actor, policy_id: int, change: PolicyChange) -> InsurancePolicy:
    """Corrects a recorded policy. Its period may not shrink past a volunteer's cover under it
    (INVALID_PERIOD): who was insured when stays true."""
    collector = Collector()
    values: dict[str, object] = {}
    if change.insurer is not None:
        values["insurer"] = check_text(collector, change.insurer, "insurer", limit=128)
    if change.coverage is not None:
        values["coverage"] = check_text(collector, change.coverage, "coverage", limit=500)
    if change.sum_insured is not None:
        _check_amount(collector, change.sum_insured)
        values["sum_insured"] = change.sum_insured
    async with in_transaction():
        policy = await InsurancePolicy.filter(id=policy_id).select_for_update().first()
        if policy is None:
            raise not_found(RewardsErrorCode.POLICY_NOT_FOUND, "policy")
        starts_on = change.starts_on or policy.starts_on
        ends_on = change.ends_on or policy.ends_on
        if not starts_on < ends_on:
            collector.add(RewardsErrorCode.INVALID_PERIOD, "`to` must be after `from`.", "to")
        elif (
            await InsuranceCoverage.filter(policy_id=policy.id)
            .filter(Q(starts_on__lt=starts_on) | Q(ends_on__gt=ends_on))
            .exists()
        ):
            collector.add(
                RewardsErrorCode.INVALID_PERIOD,
                "Volunteers are covered under this policy outside that period.",
                "to",
            )
        collector.raise_if_any()
        before = snapshot(policy, POLICY_FIELDS)
        policy.update_from_dict({**values, "starts_on": starts_on, "ends_on": ends_on})
        await policy.save(update_fields=list(POLICY_FIELDS[1:]))
        after = snapshot(policy, POLICY_FIELDS)
        if after != before:
            await actor.record("updateInsurancePolicy", POLICY, policy.id, before, after)
    return policy


async def _policy(policy_id: int) -> InsurancePolicy:
    policy = await InsurancePolicy.get_or_none(id=policy_id)
    if policy is None:
        raise not_found(RewardsErrorCode.POLICY_NOT_FOUND, "policy")
    return policy


async def cover(principal: Principal, policy_id: int, volunteer_ids: list[int]) -> int:
    """Covers the given active volunteers for the policy's period; returns how many were not
    covered by it before. Any unknown or inactive volunteer refuses the whole call."""
    require_admin(principal)
    policy = await _policy(policy_id)
    wanted = sorted(set(volunteer_ids))
    if not 1 <= len(wanted) <= MAX_VOLUNTEERS_PER_CALL:
        raise DomainError(
            RewardsErrorCode.TOO_MANY_VOLUNTEERS,
            f"Give 1-{MAX_VOLUNTEERS_PER_CALL} volunteers; cover everyone with "
            "coverActiveVolunteers.",
            "volunteers",
        )
    found = dict(await Volunteer.filter(id__in=wanted).values_list("id", "status"))
    collector = Collector()
    for volunteer_id in wanted:
        if volunteer_id not in found:
            collector.add(
                RewardsErrorCode.VOLUNTEER_NOT_FOUND, f"No volunteer {volunteer_id}.", "volunteers"
            )
        elif found[volunteer_id] != VolunteerStatus.ACTIVE:
            collector.add(
                RewardsErrorCode.VOLUNTEER_NOT_ACTIVE,
                f"Volunteer {volunteer_id} is not active.",
                "volunteers",
            )
    collector.raise_if_any()
    now = datetime.now(UTC)
    async with in_transaction():
        before = await InsuranceCoverage.filter(policy_id=policy.id).count()
        await InsuranceCoverage.bulk_create(
            [
                InsuranceCoverage(
                    policy_id=policy.id,
                    volunteer_id=volunteer_id,
                    starts_on=policy.starts_on,
                    ends_on=policy.ends_on,
                    created_at=now,
                )
                for volunteer_id in wanted
            ],
            ignore_conflicts=True,
        )
        return await InsuranceCoverage.filter(policy_id=policy.id).count() - before


async def cover_active(principal: Principal, policy_id: int, district_id: int | None = None) -> int:
    """Covers every active volunteer (of a district, if given) not yet covered by the policy;
    returns how many were added. A second call adds nobody."""
    require_admin(principal)
    policy = await _policy(policy_id)
    async with in_transaction() as connection:
        before = await InsuranceCoverage.filter(policy_id=policy.id).count()
        marks = placeholders(connection, 5)
        where_district = f" AND v.district_id = {marks[4]}" if district_id is not None else ""
        # The policy id is an integer read from the database, written inline.
        sql = (
            "INSERT INTO insurance_coverage "  # noqa: S608 - placeholders and our own integer
            "(policy_id, volunteer_id, starts_on, ends_on, created_at) "
            f"SELECT {policy.id:d}, v.id, {marks[0]}, {marks[1]}, {marks[2]} FROM volunteer v "
            f"WHERE v.status = {marks[3]}{where_district} AND NOT EXISTS (SELECT 1 FROM "
            f"insurance_coverage c WHERE c.volunteer_id = v.id AND c.policy_id = {policy.id:d})"
        )
        params: list[object] = [
            policy.starts_on,
            policy.ends_on,
            datetime.now(UTC),
            VolunteerStatus.ACTIVE.value,
        ]
        if district_id is not None:
            params.append(district_id)
        await connection.execute_query(sql, params)
        return await InsuranceCoverage.filter(policy_id=policy.id).count() - before


def may_see_insurance(principal: Principal, volunteer_user_id: int | None) -> bool:
    if principal.user_id is not None and principal.user_id == volunteer_user_id:
        return True
    return principal.has_role(Role.ADMIN, Role.DISPATCHER)


# Commendations --------------------------------------------------------------------------------


@dataclass
class NewCommendation:
    volunteer_id: int
    title: str
    awarded_on: date
    citation: str = ""
    issuer: str | None = None
    organization_id: int | None = None


async def _organization_issuer(
    principal: Principal, organization_id: int, volunteer_id: int
) -> str:
    organization = await Organization.get_or_none(id=organization_id)
    if organization is None:
        raise not_found(RewardsErrorCode.ORGANIZATION_NOT_FOUND, "organization")
    admin_of = principal.has_role(Role.ORG_ADMIN) and await Membership.exists(
        organization_id=organization.id,
        volunteer__user_id=principal.user_id,
        role=MembershipRole.ADMIN,
        status=MembershipStatus.APPROVED,
    )
    if not (admin_of or principal.is_admin):
        raise NotPermitted("Only the organisation's admins commend in its name.")
    if not await Membership.exists(
        organization_id=organization.id,
        volunteer_id=volunteer_id,
        status=MembershipStatus.APPROVED,
    ):
        raise DomainError(
            RewardsErrorCode.NOT_A_MEMBER,
            "An organisation commends its own members only.",
            "volunteer",
        )
    return str(organization.name)


async def commend(principal: Principal, data: NewCommendation) -> Commendation:
    """The city (administrators) commends anyone; an organisation's admins commend its
    members, in the organisation's name."""
    user_id = principal.require_user()
    if data.organization_id is None and not principal.is_admin:
        raise NotPermitted("Administrators commend for the city; org admins name their org.")
    collector = Collector()
    title = check_text(collector, data.title, "title", limit=128)
    citation = check_text(collector, data.citation, "citation", limit=500, required=False)
    issuer = check_text(collector, data.issuer or "", "issuer", limit=128, required=False)
    if data.awarded_on > datetime.now(UTC).date():
        collector.add(RewardsErrorCode.INVALID_PERIOD, "Not in the future.", "awardedOn")
    collector.raise_if_any()
    await volunteer_by_id(data.volunteer_id)
    if data.organization_id is not None:
        # Checked even when an issuer is given: the organisation's name is what is lent.
        in_name_of = await _organization_issuer(principal, data.organization_id, data.volunteer_id)
        issuer = issuer or in_name_of
    return await Commendation.create(
        volunteer_id=data.volunteer_id,
        title=title,
        citation=citation,
        awarded_on=data.awarded_on,
        issuer=issuer or CITY_ISSUER,
        organization_id=data.organization_id,
        issued_by_id=user_id,
    )
