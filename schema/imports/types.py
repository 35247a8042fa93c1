from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.imports import ImportJob, ImportKind, ImportStatus
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from services.imports.errors import ImportErrorCode

strawberry.enum(ImportKind, description="What a file holds.")
strawberry.enum(ImportStatus, description="Where an import job stands.")
strawberry.enum(ImportErrorCode, description="Why an import was refused.")


@strawberry.type(name="ImportError", description="A problem with an import request.")
class ImportErrorType(DomainErrorType[ImportErrorCode]):
    pass


@strawberry.type(
    name="ImportJob",
    description="One import of one file, with its progress; poll it until `status` is "
    "SUCCEEDED or FAILED. Visible to administrators only.",
)
class ImportJobType(relay.Node):
    id: relay.NodeID[int]
    kind: ImportKind = strawberry.field(description="What the file holds.")
    status: ImportStatus = strawberry.field(description="QUEUED, RUNNING, SUCCEEDED or FAILED.")
    dry_run: bool = strawberry.field(description="Only checked: nothing was written.")
    source_system: str = strawberry.field(description="The earlier system the file came from.")
    file_name: str = strawberry.field(description="The uploaded file's name.")
    rows_read: int = strawberry.field(description="Data rows read so far.")
    rows_added: int = strawberry.field(
        description="Rows added (in a dry run: that would be added)."
    )
    rows_present: int = strawberry.field(description="Rows already in the database, unchanged.")
    rows_refused: int = strawberry.field(description="Rows refused; see `errorReport`.")
    error_report: str = strawberry.field(
        description="The refused rows as CSV (error_row, error_column, error_code, "
        "error_message, then the row's own columns): correct it and upload it again. "
        "Empty until the job ends, and when no row was refused."
    )
    failure: str = strawberry.field(description="Why a FAILED job stopped; empty otherwise.")
    created_at: datetime = strawberry.field(description="When it was started.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def from_model(cls, row: ImportJob) -> ImportJobType:
        return cls(
            id=row.id,
            kind=row.kind,
            status=row.status,
            dry_run=row.dry_run,
            source_system=row.source_system,
            file_name=row.file_name,
            rows_read=row.rows_read,
            rows_added=row.rows_added,
            rows_present=row.rows_present,
            rows_refused=row.rows_refused,
            error_report=row.error_report,
            failure=row.failure,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        if not info.context.principal.is_admin:
            return [None for _ in ids]
        rows = {r.id: r for r in await ImportJob.filter(id__in=ids)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@payload_type(description="The job started, or why no job was started.")
class ImportJobPayload(Payload[ImportErrorType]):
    import_job: ImportJobType | None = strawberry.field(
        default=None, description="The job; poll `importJob` for its progress."
    )
