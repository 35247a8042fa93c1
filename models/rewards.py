"""Rewards (激励回馈优待): star levels and the date each was reached, the benefit catalogue
and its redemptions, the volunteer service card (志愿服务卡), insurance cover and commendations
(嘉许)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.dispatch import ServiceRecord
    from models.geography import District
    from models.organizations import Organization
    from models.volunteers import Volunteer


class StarLevelAchievement(Model):
    """The first time a volunteer's confirmed hours reached a star level. Kept when hours later
    fall below it (`lost_at` is set, and cleared when the level is reached again)."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="star_levels", on_delete=fields.CASCADE
    )
    volunteer_id: int
    level = fields.SmallIntField()
    reached_at = fields.DatetimeField()
    hours_at_reach = fields.DecimalField(max_digits=10, decimal_places=2)
    # The confirmation that crossed the threshold; null for levels filled in by a backfill.
    service_record: fields.ForeignKeyNullableRelation[ServiceRecord] = fields.ForeignKeyField(
        "models.ServiceRecord", related_name="star_levels", null=True, on_delete=fields.SET_NULL
    )
    service_record_id: int | None
    backfilled = fields.BooleanField(default=False)
    lost_at = fields.DatetimeField(null=True)

    class Meta:
        table = "star_level_achievement"
        ordering = ["id"]
        unique_together = (("volunteer", "level"),)


class ProviderKind(str, Enum):
    HOSPITAL = "HOSPITAL"
    GOVERNMENT_AGENCY = "GOVERNMENT_AGENCY"
    EMPLOYER = "EMPLOYER"
    SCHOOL = "SCHOOL"
    PUBLIC_VENUE = "PUBLIC_VENUE"
    TRANSPORT = "TRANSPORT"
    INSURER = "INSURER"
    BANK = "BANK"
    MERCHANT = "MERCHANT"
    ORGANIZATION = "ORGANIZATION"


class BenefitProvider(Model):
    """Who grants a benefit: a hospital, an agency, a school, a merchant, an insurer."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    kind = fields.CharEnumField(ProviderKind, max_length=24)
    district: fields.ForeignKeyNullableRelation[District] = fields.ForeignKeyField(
        "models.District", related_name="benefit_providers", null=True, on_delete=fields.RESTRICT
    )
    district_id: int | None
    address = fields.CharField(max_length=200, default="")
    contact_phone = fields.CharField(max_length=20, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "benefit_provider"
        ordering = ["id"]


class ProviderStaff(Model):
    """A provider account: a user who may verify (and mark used) the provider's redemptions
    and check service cards. Linked by an administrator."""

    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[BenefitProvider] = fields.ForeignKeyField(
        "models.BenefitProvider", related_name="staff", on_delete=fields.CASCADE
    )
    provider_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="provider_links", on_delete=fields.CASCADE
    )
    user_id: int
    added_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="added_provider_staff", null=True, on_delete=fields.SET_NULL
    )
    added_by_id: int | None
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "provider_staff"
        unique_together = (("provider", "user"),)
        indexes = (("user_id", "provider_id"),)


class BenefitCategory(str, Enum):
    MEDICAL = "MEDICAL"
    EMPLOYMENT = "EMPLOYMENT"
    EDUCATION = "EDUCATION"
    RESIDENCE = "RESIDENCE"
    PUBLIC_SERVICE = "PUBLIC_SERVICE"
    INSURANCE = "INSURANCE"
    FINANCE = "FINANCE"
    TOURISM = "TOURISM"
    COMMERCE = "COMMERCE"
    HONOUR = "HONOUR"


class BenefitDelivery(str, Enum):
    # Redeemed for a one-time code that the provider verifies.
    CODE = "CODE"
    # Shown at the counter with the service card, which the provider checks.
    SERVICE_CARD = "SERVICE_CARD"
    # Granted without asking, e.g. accident insurance for active volunteers.
    AUTOMATIC = "AUTOMATIC"


class Benefit(Model):
    """One preferential treatment of the scheme, with who may have it and how much of it."""

    id = fields.IntField(primary_key=True)
    # A stable key, e.g. MEDICAL_GREEN_CHANNEL: what the demo data and integrations refer to.
    code = fields.CharField(max_length=48, unique=True)
    name = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    # The clause of the scheme this implements, quoted where the seed names it.
    basis = fields.TextField(default="")
    category = fields.CharEnumField(BenefitCategory, max_length=24)
    delivery = fields.CharEnumField(BenefitDelivery, max_length=16, default=BenefitDelivery.CODE)
    provider: fields.ForeignKeyRelation[BenefitProvider] = fields.ForeignKeyField(
        "models.BenefitProvider", related_name="benefits", on_delete=fields.RESTRICT
    )
    provider_id: int
    min_star_level = fields.SmallIntField(default=0)
    # Confirmed hours served in the last 12 months; null for no such condition.
    min_recent_hours = fields.DecimalField(max_digits=8, decimal_places=2, null=True)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField(null=True)
    # Null for unlimited. `redeemed` only grows, by a conditional UPDATE that keeps it <= stock.
    stock = fields.IntField(null=True)
    redeemed = fields.IntField(default=0)
    per_volunteer_limit = fields.IntField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "benefit"
        ordering = ["id"]
        indexes = (("provider_id", "id"),)


class RedemptionStatus(str, Enum):
    ISSUED = "ISSUED"
    USED = "USED"


class Redemption(Model):
    """A benefit taken by a volunteer: a one-time code the provider verifies once."""

    id = fields.IntField(primary_key=True)
    benefit: fields.ForeignKeyRelation[Benefit] = fields.ForeignKeyField(
        "models.Benefit", related_name="redemptions", on_delete=fields.RESTRICT
    )
    benefit_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="redemptions", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    code = fields.CharField(max_length=16, unique=True)
    status = fields.CharEnumField(RedemptionStatus, max_length=8, default=RedemptionStatus.ISSUED)
    # Scoped by the caller ("u<user id>:<client key>"), with the request's hash (see timebank).
    idempotency_key = fields.CharField(max_length=160, unique=True)
    request_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    verified_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="verified_redemptions", null=True, on_delete=fields.SET_NULL
    )
    verified_by_id: int | None

    class Meta:
        table = "redemption"
        ordering = ["id"]
        indexes = (("volunteer_id", "benefit_id"),)


class CardStatus(str, Enum):
    ISSUED = "ISSUED"
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    LOST = "LOST"
    # Superseded by a reissued card (damaged, renewed); like LOST, it is dead for good.
    REPLACED = "REPLACED"


LIVE_CARD_STATUSES = (CardStatus.ISSUED, CardStatus.ACTIVE, CardStatus.FROZEN)


class ServiceCard(Model):
    """The networked volunteer service card (惠州志愿服务卡) that merchants honour."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="service_cards", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    # The volunteer's id while the card is live, null once it is dead: the unique index makes
    # "one live card per volunteer" hold under concurrent issuing, on both databases.
    live_holder = fields.IntField(null=True, unique=True)
    status = fields.CharEnumField(CardStatus, max_length=12, default=CardStatus.ISSUED)
    replaces: fields.ForeignKeyNullableRelation[ServiceCard] = fields.ForeignKeyField(
        "models.ServiceCard", related_name="replaced_by", null=True, on_delete=fields.RESTRICT
    )
    replaces_id: int | None
    issued_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="issued_cards", null=True, on_delete=fields.SET_NULL
    )
    issued_by_id: int | None
    issued_at = fields.DatetimeField()
    status_changed_at = fields.DatetimeField()
    status_note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "service_card"
        ordering = ["id"]
        indexes = (("volunteer_id", "id"),)


class CardCheck(Model):
    """One `verifyServiceCard` look-up: who asked about which number, for the audit trail and
    the per-account hourly limit on guessing."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="card_checks", on_delete=fields.CASCADE
    )
    user_id: int
    number = fields.CharField(max_length=16)
    found = fields.BooleanField()
    checked_at = fields.DatetimeField()

    class Meta:
        table = "card_check"
        indexes = (("user_id", "checked_at"),)


class InsurancePolicy(Model):
    """A group accident policy the city buys for volunteers (e.g. 2016's for 市直 volunteers)."""

    id = fields.IntField(primary_key=True)
    policy_number = fields.CharField(max_length=64, unique=True)
    insurer = fields.CharField(max_length=128)
    coverage = fields.CharField(max_length=500)
    sum_insured = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recorded_policies", null=True, on_delete=fields.SET_NULL
    )
    recorded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "insurance_policy"
        ordering = ["id"]


class InsuranceCoverage(Model):
    """One volunteer insured under a policy, for a period inside the policy's."""

    id = fields.IntField(primary_key=True)
    policy: fields.ForeignKeyRelation[InsurancePolicy] = fields.ForeignKeyField(
        "models.InsurancePolicy", related_name="coverages", on_delete=fields.RESTRICT
    )
    policy_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="insurance", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "insurance_coverage"
        ordering = ["id"]
        unique_together = (("policy", "volunteer"),)
        indexes = (("volunteer_id", "starts_on"),)


class Commendation(Model):
    """A commendation (嘉许) of a volunteer, by the city or by one of their organisations."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="commendations", on_delete=fields.CASCADE
    )
    volunteer_id: int
    title = fields.CharField(max_length=128)
    citation = fields.CharField(max_length=500, default="")
    awarded_on = fields.DateField()
    # The issuing body as printed on the certificate.
    issuer = fields.CharField(max_length=128)
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="commendations", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    issued_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="issued_commendations", null=True, on_delete=fields.SET_NULL
    )
    issued_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "commendation"
        ordering = ["id"]
        indexes = (("volunteer_id", "awarded_on"),)
