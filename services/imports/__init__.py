"""Bulk imports of a city's earlier registry (volunteers, organisations, memberships, historic
service hours) from CSV or XLSX: every row checked by the API's own rules, refused rows in a
report a clerk can correct and submit again, and nothing added twice however often a file
arrives. The CLI runs an import in its own process; an upload starts a job in the API process
that received it and is followed by polling `importJob`."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from models.accounts import User
from models.imports import ImportJob, ImportKind, ImportStatus
from services.audit import Actor
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.imports.errors import ImportErrorCode
from services.imports.runner import SERVER_BATCH, Summary, check_file, run

__all__ = [
    "ImportErrorCode",
    "Summary",
    "audit_run",
    "check_source",
    "get_job",
    "run",
    "start_job",
]

log = logging.getLogger(__name__)
_SOURCE = re.compile(r"^[\w.\- ]{1,64}$")
# Jobs running in this process, held so that the event loop does not drop them half way.
_running: dict[int, asyncio.Task[None]] = {}


def check_source(source_system: str) -> str:
    """The earlier system's name, which keys its historic hours: a short plain label."""
    value = source_system.strip()
    if not _SOURCE.match(value):
        raise DomainError(
            ImportErrorCode.INVALID_SOURCE,
            "Name the source system in 1-64 letters, digits, spaces, dots or dashes.",
            "sourceSystem",
        )
    return value


async def audit_run(
    actor: Actor,
    kind: ImportKind,
    *,
    file_name: str,
    source_system: str,
    summary: Summary,
    job_id: int = 0,
) -> None:
    """One audit entry for a finished real import (a dry run changes nothing, so it has none):
    who, which kind and file, and what it did. The rows themselves are not listed; the counts
    and the file name say where to look. A console run has no job: object id 0."""
    await actor.record(
        "importRecords",
        "ImportJob",
        job_id,
        None,
        {
            "kind": kind.value,
            "file_name": file_name,
            "source_system": source_system,
            "read": summary.rows_read,
            "added": summary.rows_added,
            "skipped": summary.rows_present,
            "refused": summary.rows_refused,
        },
    )


def _require_admin(principal: Principal) -> None:
    principal.require_user()
    if not principal.is_admin:
        raise NotPermitted("Only a city administrator imports records.")


def _store(data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix="vc-import-")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return Path(name)


async def start_job(
    principal: Principal,
    kind: ImportKind,
    file_name: str,
    data: bytes,
    source_system: str,
    dry_run: bool,
) -> ImportJob:
    """Stores the uploaded file aside and starts its import in this process; the job's row
    says how far it got."""
    _require_admin(principal)
    source = check_source(source_system)
    if not data:
        raise DomainError(ImportErrorCode.EMPTY_FILE, "The file is empty.", "file")
    path = await asyncio.to_thread(_store, data)
    try:
        await check_file(kind, path)
    except DomainError:
        await asyncio.to_thread(path.unlink, True)
        raise
    job = await ImportJob.create(
        kind=kind,
        dry_run=dry_run,
        source_system=source,
        file_name=(file_name or "upload")[:255],
        created_by_id=principal.user_id,
    )
    _running[job.id] = asyncio.create_task(_run_job(job.id, path))
    return job


async def wait_for(job_id: int) -> None:
    """Until this process's run of the job ends (tests and the CLI wait; clients poll)."""
    task = _running.get(job_id)
    if task is not None:
        await asyncio.shield(task)


async def _run_job(job_id: int, path: Path) -> None:
    job = await ImportJob.get(id=job_id)
    report = io.StringIO()

    async def progress(summary: Summary) -> None:
        await ImportJob.filter(id=job_id).update(
            rows_read=summary.rows_read,
            rows_added=summary.rows_added,
            rows_present=summary.rows_present,
            rows_refused=summary.rows_refused,
        )

    await ImportJob.filter(id=job_id).update(status=ImportStatus.RUNNING)
    try:
        summary = await run(
            job.kind,
            path,
            source_system=job.source_system,
            file_name=job.file_name,
            dry_run=job.dry_run,
            report=report,
            progress=progress,
            batch_size=SERVER_BATCH,
        )
        await progress(summary)
        if not job.dry_run:
            await audit_run(
                await _actor_of(job),
                job.kind,
                file_name=job.file_name,
                source_system=job.source_system,
                summary=summary,
                job_id=job_id,
            )
        await ImportJob.filter(id=job_id).update(
            status=ImportStatus.SUCCEEDED,
            error_report=report.getvalue() if summary.rows_refused else "",
            finished_at=datetime.now(UTC),
        )
    except DomainError as error:
        await _failed(job_id, "; ".join(f"{p.code.value}: {p.message}" for p in error.problems))
    except Exception:
        log.exception("import job %s failed", job_id)
        await _failed(job_id, "The import stopped on an unexpected error; run it again.")
        raise
    finally:
        _running.pop(job_id, None)
        await asyncio.to_thread(path.unlink, True)


async def _actor_of(job: ImportJob) -> Actor:
    """The administrator who uploaded the file (by username even once the account is gone)."""
    user = await User.get_or_none(id=job.created_by_id) if job.created_by_id else None
    return Actor(user, user.username if user else "")


async def _failed(job_id: int, reason: str) -> None:
    await ImportJob.filter(id=job_id).update(
        status=ImportStatus.FAILED, failure=reason[:500], finished_at=datetime.now(UTC)
    )


async def get_job(principal: Principal, job_id: int) -> ImportJob | None:
    _require_admin(principal)
    return await ImportJob.get_or_none(id=job_id)
