"""Bulk imports from a city's earlier systems: the jobs, and the historic service hours they
bring with their provenance."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.organizations import Organization
    from models.volunteers import Volunteer


class ImportKind(str, Enum):
    VOLUNTEERS = "VOLUNTEERS"
    ORGANIZATIONS = "ORGANIZATIONS"
    MEMBERSHIPS = "MEMBERSHIPS"
    HOURS = "HOURS"


class ImportStatus(str, Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ImportJob(Model):
    """One run over one file. The registry rows it adds are not linked to it: a rerun of the
    same file finds them by their natural keys (ID-number hash, organisation name, ...)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ImportKind, max_length=16)
    status = fields.CharEnumField(ImportStatus, max_length=16, default=ImportStatus.QUEUED)
    dry_run = fields.BooleanField(default=False)
    source_system = fields.CharField(max_length=64)
    file_name = fields.CharField(max_length=255)
    rows_read = fields.IntField(default=0)
    rows_added = fields.IntField(default=0)
    rows_present = fields.IntField(default=0, description="already in the database, unchanged")
    rows_refused = fields.IntField(default=0)
    # The per-row error report, CSV; kept with the job so that the clerk can fetch it later.
    error_report = fields.TextField(default="")
    failure = fields.CharField(max_length=500, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="import_jobs", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_job"
        ordering = ["id"]


class ImportedHours(Model):
    """Confirmed service hours from an earlier system. Keyed by (source system, that system's
    record id), so the same record arriving again is recognised and counts once; the file and
    row it came from are kept to trace it back."""

    id = fields.IntField(primary_key=True)
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "models.Volunteer", related_name="imported_hours", on_delete=fields.RESTRICT
    )
    volunteer_id: int
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="imported_hours", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    source_system = fields.CharField(max_length=64)
    source_record = fields.CharField(max_length=64)
    file_name = fields.CharField(max_length=255)
    row_number = fields.IntField()
    served_on = fields.DateField()
    hours = fields.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    description = fields.CharField(max_length=200, default="")
    imported_at = fields.DatetimeField()

    class Meta:
        table = "imported_hours"
        unique_together = (("source_system", "source_record"),)
        indexes = (("volunteer_id", "served_on"),)
