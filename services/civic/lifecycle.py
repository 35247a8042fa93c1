"""A civic issue's life, enforced here and only here:

    REPORTED    → FILED (file) | NOT_FILED (reject) | DUPLICATE (mark duplicate)
    FILED       → DISPATCHED (dispatch)
    DISPATCHED  → RECTIFYING (start rectification)
    RECTIFYING  → RECTIFIED (rectify, with an after photo)
    RECTIFIED   → VERIFIED (verify) | DISPATCHED (reopen: not actually fixed)
    FILED, DISPATCHED, RECTIFYING → CLOSED_UNRESOLVED (close unresolved: not a fix)

Staff (DISPATCHER, ADMIN) move cases on for the command centre and its departments. The
reporter, or any civic supervisor, confirms a fix or says it is not fixed (reopen). Filing a
civic supervisor's report credits them in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from models.civic import (
    OPEN_CASE,
    CivicAction,
    CivicIssue,
    CivicIssueTransition,
    CivicPhoto,
    CivicStatus,
    PhotoPhase,
)
from models.volunteers import Skill, Volunteer, VolunteerStatus
from services.civic import photos as civic_photos
from services.civic.errors import CivicErrorCode
from services.civic.events import illegal, move, not_found, record
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.principal import Principal
from services.dispatch import STAFF
from subscriptions.events import EventTransaction, atomic

MAX_UPDATE_PHOTOS = 3
MAX_ISSUE_PHOTOS = 30
NOTE_LIMIT = 500

_REPORTED = frozenset({CivicStatus.REPORTED})
# The state machine of the module docstring, as data: each move's legal starting states and
# where it leads. Every move below checks and applies it through `_check` and `_advance`.
MOVES: dict[CivicAction, tuple[frozenset[CivicStatus], CivicStatus]] = {
    CivicAction.FILE: (_REPORTED, CivicStatus.FILED),
    CivicAction.REJECT: (_REPORTED, CivicStatus.NOT_FILED),
    CivicAction.MARK_DUPLICATE: (_REPORTED, CivicStatus.DUPLICATE),
    CivicAction.DISPATCH: (frozenset({CivicStatus.FILED}), CivicStatus.DISPATCHED),
    CivicAction.START_RECTIFICATION: (
        frozenset({CivicStatus.DISPATCHED}),
        CivicStatus.RECTIFYING,
    ),
    CivicAction.RECTIFY: (frozenset({CivicStatus.RECTIFYING}), CivicStatus.RECTIFIED),
    CivicAction.VERIFY: (frozenset({CivicStatus.RECTIFIED}), CivicStatus.VERIFIED),
    CivicAction.REOPEN: (frozenset({CivicStatus.RECTIFIED}), CivicStatus.DISPATCHED),
    CivicAction.CLOSE_UNRESOLVED: (frozenset(OPEN_CASE), CivicStatus.CLOSED_UNRESOLVED),
}


def _check(issue: CivicIssue, action: CivicAction) -> None:
    if issue.status not in MOVES[action][0]:
        raise illegal(issue, action)


async def _advance(
    tx: EventTransaction,
    issue: CivicIssue,
    action: CivicAction,
    actor: int,
    note: str,
    changes: dict[str, Any] | None = None,
) -> None:
    await move(tx, issue, MOVES[action][1], action, actor, note, changes)


async def _locked(
    issue_id: int, code: CivicErrorCode = CivicErrorCode.ISSUE_NOT_FOUND
) -> CivicIssue:
    issue = await CivicIssue.filter(id=issue_id).select_for_update().first()
    if issue is None:
        raise not_found(code)
    return issue


def _staff(principal: Principal) -> int:
    user_id = principal.require_user()
    if not principal.has_role(*STAFF):
        raise NotPermitted("Only the command centre's staff can do this.")
    return user_id


async def supervisor_of(user_id: int | None) -> Volunteer | None:
    """The user's volunteer record if they are an active civic supervisor (监督员)."""
    if user_id is None:
        return None
    return await Volunteer.get_or_none(
        user_id=user_id,
        status=VolunteerStatus.ACTIVE,
        skills__contains=f"|{Skill.CIVIC_SUPERVISION.value}|",
    )


def _note(note: str, *, required: bool, field: str = "note") -> str:
    note = note.strip()
    collector = Collector()
    if required and len(note) < 2:
        collector.add(CivicErrorCode.REASON_REQUIRED, "Say why (2-500 characters).", field)
    if len(note) > NOTE_LIMIT:
        collector.add(CivicErrorCode.NOTE_TOO_LONG, "At most 500 characters.", field)
    collector.raise_if_any()
    return note


def _department(department: str | None) -> str | None:
    if department is None:
        return None
    department = department.strip()
    if not 2 <= len(department) <= 128:
        raise DomainError(
            CivicErrorCode.INVALID_DEPARTMENT, "Name the department (2-128).", "department"
        )
    return department


async def file_issue(
    principal: Principal,
    issue_id: int,
    *,
    department: str | None = None,
    deadline: datetime | None = None,
    note: str = "",
) -> CivicIssue:
    """Opens a case (立案): the department responsible (the category's unless given) and the
    rectification deadline (the category's default from now unless given)."""
    actor = _staff(principal)
    note = _note(note, required=False)
    department = _department(department)
    now = datetime.now(UTC)
    if deadline is not None and deadline <= now:
        raise DomainError(
            CivicErrorCode.INVALID_DEADLINE, "The deadline must be later.", "deadline"
        )
    async with atomic() as tx:
        issue = await _locked(issue_id)
        _check(issue, CivicAction.FILE)
        category = await issue.category
        supervisor = await supervisor_of(issue.reporter_id)
        await _advance(
            tx,
            issue,
            CivicAction.FILE,
            actor,
            note,
            {
                "department": department or category.department,
                "deadline": deadline or now + timedelta(hours=category.deadline_hours),
                "filed_at": now,
                "credited_volunteer_id": supervisor.id if supervisor else None,
            },
        )
    return issue


async def reject_issue(principal: Principal, issue_id: int, reason: str) -> CivicIssue:
    """Not filed (不予立案), with the reason the reporter is told."""
    return await _close_with_reason(principal, issue_id, reason, CivicAction.REJECT)


async def mark_duplicate(
    principal: Principal, issue_id: int, original_id: int, note: str = ""
) -> CivicIssue:
    """Links a report to the issue it repeats (followed to the first report, if that was a
    duplicate itself); from now on the original's updates reach this one's followers too."""
    actor = _staff(principal)
    note = _note(note, required=False)
    async with atomic() as tx:
        issue = await _locked(issue_id)
        original = await CivicIssue.get_or_none(id=original_id)
        if original is not None and original.duplicate_of_id is not None:
            original = await CivicIssue.get_or_none(id=original.duplicate_of_id)
        if original is None:
            raise not_found(CivicErrorCode.ORIGINAL_NOT_FOUND)
        if original.id == issue.id:
            raise DomainError(
                CivicErrorCode.SELF_DUPLICATE, "An issue cannot repeat itself.", "original"
            )
        _check(issue, CivicAction.MARK_DUPLICATE)
        await _advance(
            tx,
            issue,
            CivicAction.MARK_DUPLICATE,
            actor,
            note or f"duplicate of {original.token}",
            {"duplicate_of_id": original.id, "closed_at": datetime.now(UTC)},
        )
    return issue


async def dispatch_issue(
    principal: Principal, issue_id: int, *, department: str | None = None, note: str = ""
) -> CivicIssue:
    """Sends a filed case to its department (派遣), or to another one if named."""
    actor = _staff(principal)
    note = _note(note, required=False)
    department = _department(department)
    async with atomic() as tx:
        issue = await _locked(issue_id)
        _check(issue, CivicAction.DISPATCH)
        updates = {"department": department} if department else {}
        await _advance(tx, issue, CivicAction.DISPATCH, actor, note, updates)
    return issue


async def start_rectification(principal: Principal, issue_id: int, note: str = "") -> CivicIssue:
    actor = _staff(principal)
    note = _note(note, required=False)
    async with atomic() as tx:
        issue = await _locked(issue_id)
        _check(issue, CivicAction.START_RECTIFICATION)
        await _advance(tx, issue, CivicAction.START_RECTIFICATION, actor, note)
    return issue


async def _has_after_photo_since_dispatch(issue: CivicIssue) -> bool:
    """An after photo counts for this rectification only if taken since the case was last
    (re)dispatched: the photo of a fix that was reopened proves nothing."""
    last = (
        await CivicIssueTransition.filter(
            issue_id=issue.id, action__in=[CivicAction.DISPATCH, CivicAction.REOPEN]
        )
        .order_by("-id")
        .first()
    )
    query = CivicPhoto.filter(issue_id=issue.id, phase=PhotoPhase.AFTER)
    if last is not None:
        query = query.filter(created_at__gte=last.at)
    return await query.exists()


async def rectify_issue(
    principal: Principal,
    issue_id: int,
    *,
    photos: Sequence[tuple[str, bytes]] = (),
    note: str = "",
) -> CivicIssue:
    """The department reports the fix (整改完成), with an after photo: given here, or added
    as an AFTER photo since the case was last dispatched."""
    actor = _staff(principal)
    note = _note(note, required=False)
    collector = Collector()
    if len(photos) > MAX_UPDATE_PHOTOS:
        collector.add(CivicErrorCode.TOO_MANY_PHOTOS, "At most 3 photos at a time.", "photos")
        photos = ()
    cleaned = await civic_photos.prepare(photos, collector)
    collector.raise_if_any()
    stored = await civic_photos.store(cleaned)
    try:
        async with atomic() as tx:
            issue = await _locked(issue_id)
            _check(issue, CivicAction.RECTIFY)
            now = datetime.now(UTC)
            await civic_photos.attach(issue.id, PhotoPhase.AFTER, actor, stored, now)
            if not stored and not await _has_after_photo_since_dispatch(issue):
                raise DomainError(
                    CivicErrorCode.AFTER_PHOTO_REQUIRED,
                    "Add a photo of the place after the fix.",
                    "photos",
                )
            filed_at = issue.filed_at or issue.reported_at
            await _advance(
                tx,
                issue,
                CivicAction.RECTIFY,
                actor,
                note,
                {
                    "rectified_at": now,
                    "rectify_seconds": max(0, int((now - filed_at).total_seconds())),
                },
            )
    except BaseException:
        await civic_photos.discard(stored)
        raise
    return issue


async def _confirmer(principal: Principal, issue: CivicIssue) -> int:
    """The reporter, a civic supervisor or staff: those who may judge a fix."""
    user_id = principal.require_user()
    if principal.has_role(*STAFF) or user_id == issue.reporter_id:
        return user_id
    if await supervisor_of(user_id) is not None:
        return user_id
    raise NotPermitted("Only the reporter, a civic supervisor or staff can judge the fix.")


async def verify_issue(principal: Principal, issue_id: int, note: str = "") -> CivicIssue:
    note = _note(note, required=False)
    async with atomic() as tx:
        issue = await _locked(issue_id)
        actor = await _confirmer(principal, issue)
        _check(issue, CivicAction.VERIFY)
        await _advance(
            tx,
            issue,
            CivicAction.VERIFY,
            actor,
            note,
            {"verified_at": datetime.now(UTC)},
        )
    return issue


async def reopen_issue(principal: Principal, issue_id: int, reason: str) -> CivicIssue:
    """Not actually fixed: back to DISPATCHED, the rectification no longer counts."""
    reason = _note(reason, required=True, field="reason")
    async with atomic() as tx:
        issue = await _locked(issue_id)
        actor = await _confirmer(principal, issue)
        _check(issue, CivicAction.REOPEN)
        await _advance(
            tx,
            issue,
            CivicAction.REOPEN,
            actor,
            reason,
            {"rectified_at": None, "rectify_seconds": None, "reopen_count": issue.reopen_count + 1},
        )
    return issue


async def close_unresolved(principal: Principal, issue_id: int, reason: str) -> CivicIssue:
    """A closure that is not a fix (e.g. outside the city's powers): never counts as one."""
    return await _close_with_reason(principal, issue_id, reason, CivicAction.CLOSE_UNRESOLVED)


async def _close_with_reason(
    principal: Principal, issue_id: int, reason: str, action: CivicAction
) -> CivicIssue:
    """Staff end an issue without a fix (rejected, or closed unresolved): the reason is required
    and the reporter is told it."""
    actor = _staff(principal)
    reason = _note(reason, required=True, field="reason")
    async with atomic() as tx:
        issue = await _locked(issue_id)
        _check(issue, action)
        await _advance(tx, issue, action, actor, reason, {"closed_at": datetime.now(UTC)})
    return issue


async def add_photos(
    principal: Principal,
    issue_id: int,
    photos: Sequence[tuple[str, bytes]],
    *,
    phase: PhotoPhase = PhotoPhase.UPDATE,
    note: str = "",
) -> CivicIssue:
    """More photos on a later update: the reporter or staff (UPDATE); after-fix photos (AFTER)
    are the department's, so staff only. Not on a closed issue."""
    user_id = principal.require_user()
    note = _note(note, required=False)
    collector = Collector()
    if not photos:
        collector.add(CivicErrorCode.PHOTO_REQUIRED, "Add 1-3 photos.", "photos")
    if len(photos) > MAX_UPDATE_PHOTOS:
        collector.add(CivicErrorCode.TOO_MANY_PHOTOS, "At most 3 photos at a time.", "photos")
        photos = ()
    cleaned = await civic_photos.prepare(photos, collector)
    collector.raise_if_any()
    stored = await civic_photos.store(cleaned)
    try:
        async with atomic() as tx:
            issue = await _locked(issue_id)
            _may_add(principal, user_id, issue, phase)
            await _check_photo_room(issue, len(stored))
            now = datetime.now(UTC)
            await civic_photos.attach(issue.id, phase, user_id, stored, now)
            await _touch(tx, issue, user_id, note or f"{len(stored)} photo(s) added", now)
    except BaseException:
        await civic_photos.discard(stored)
        raise
    return issue


def _may_add(principal: Principal, user_id: int, issue: CivicIssue, phase: PhotoPhase) -> None:
    staff = principal.has_role(*STAFF)
    if phase is PhotoPhase.REPORT:
        raise NotPermitted("Report photos are taken when reporting.")
    if not (staff or (phase is PhotoPhase.UPDATE and user_id == issue.reporter_id)):
        raise NotPermitted("Only the reporter or staff add photos; after photos are staff's.")
    if issue.status not in (CivicStatus.REPORTED, *OPEN_CASE, CivicStatus.RECTIFIED):
        raise illegal(issue, CivicAction.ADD_PHOTOS)


async def _check_photo_room(issue: CivicIssue, adding: int) -> None:
    if await CivicPhoto.filter(issue_id=issue.id).count() + adding > MAX_ISSUE_PHOTOS:
        raise DomainError(
            CivicErrorCode.TOO_MANY_PHOTOS, "This issue has all the photos it can.", "photos"
        )


async def _touch(
    tx: EventTransaction, issue: CivicIssue, actor: int, note: str, at: datetime
) -> None:
    """A change that is not a move (photos added): the timeline and the feeds still hear."""
    await CivicIssue.filter(id=issue.id).update(updated_at=at)
    issue.updated_at = at
    await record(tx, issue, issue.status, CivicAction.ADD_PHOTOS, actor, note, at)
