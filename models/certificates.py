"""Certificates of service records (志愿服务记录证明): requested by a volunteer, issued by the
organisation that recorded the service ("whoever records, certifies"), revocable."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.organizations import Organization
    from models.volunteers import Volunteer


class CertificateStatus(str, Enum):
    REQUESTED = "REQUESTED"
    ISSUED = "ISSUED"
    REVOKED = "REVOKED"
    # The organisation refused the request (with a reason); nothing was certified.
    DECLINED = "DECLINED"


class Certificate(Model):
    """A request until issued. From issue on, every field describing the volunteer, the service
    and the issuer is a copy taken at issue, so that a later change of name, hours or
    organisation never alters what a school or employer was shown."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="certificates", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="certificates", on_delete=fields.RESTRICT
    )
    organization_id: int
    # Dates in the city's zone, both included.
    period_start = fields.DateField()
    period_end = fields.DateField()
    status = fields.CharEnumField(
        CertificateStatus, max_length=16, default=CertificateStatus.REQUESTED
    )
    requested_at = fields.DatetimeField()
    # Set at issue.
    number = fields.CharField(max_length=32, unique=True, null=True)
    verification_code = fields.CharField(max_length=16, unique=True, null=True)
    issued_at = fields.DatetimeField(null=True)
    issued_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="issued_certificates", null=True, on_delete=fields.SET_NULL
    )
    issued_by_id: int | None
    # Issued by the platform on the organisation's behalf (CERTIFICATES_PLATFORM_ISSUES).
    on_behalf = fields.BooleanField(default=False)
    volunteer_name = fields.CharField(max_length=64, default="")
    id_type = fields.CharField(max_length=32, default="")
    id_number_masked = fields.CharField(max_length=32, default="")
    volunteer_number = fields.CharField(max_length=24, default="")
    hours = fields.DecimalField(max_digits=10, decimal_places=2, null=True)
    # [{"recordId", "orderId", "category", "date", "hours"}], in service order.
    services: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    organization_name = fields.CharField(max_length=128, default="")
    person_in_charge = fields.CharField(max_length=64, default="")
    handler = fields.CharField(max_length=64, default="")
    contact = fields.CharField(max_length=64, default="")
    revoked_at = fields.DatetimeField(null=True)
    revoked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="revoked_certificates", null=True, on_delete=fields.SET_NULL
    )
    revoked_by_id: int | None
    revocation_reason = fields.CharField(max_length=500, default="")
    # Set when the organisation declines the request instead of issuing it; nullable so that
    # existing rows migrate on SQLite.
    declined_at = fields.DatetimeField(null=True)
    declined_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="declined_certificates", null=True, on_delete=fields.SET_NULL
    )
    declined_by_id: int | None
    decline_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "certificate"
        ordering = ["id"]
        # A volunteer's own list; an organisation's queue by status.
        indexes = (("volunteer_id", "id"), ("organization_id", "status", "id"))
