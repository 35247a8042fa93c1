"""Civic-issue mutations. Photos arrive as `Upload`s (the GraphQL multipart request spec, see
api/graphql.py for its CSRF guard); each is read up to one byte past the size limit, so an
oversize file is refused without being held in memory whole."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from models.civic import CivicIssue, CivicSource, PhotoPhase
from schema.civic.loaders import CIVIC_CATEGORY
from schema.civic.types import CivicIssuePayload, CivicIssueType
from schema.core.context import Info
from schema.core.errors import payload, require_user
from schema.core.relay import decode_id
from schema.volunteers.mutations import GeoPointInput
from services import civic
from services.civic import lifecycle as civic_lifecycle
from services.civic.errors import CivicErrorCode
from services.common.errors import DomainError
from settings import get_settings

Photos = list[tuple[str, bytes]]


async def read_uploads(uploads: list[Any]) -> Photos:
    """(file name, bytes) of each upload; at most the size limit plus one byte of each."""
    limit = get_settings().max_photo_bytes + 1
    photos: Photos = []
    for upload in uploads:
        if isinstance(upload, bytes):
            photos.append(("", upload[:limit]))
            continue
        data = await upload.read(limit)
        photos.append((str(getattr(upload, "filename", "") or ""), bytes(data)))
    return photos


def _issue_id(global_id: relay.GlobalID, field: str = "issue") -> int:
    value = decode_id(global_id, "CivicIssue")
    if value is None:
        code = (
            CivicErrorCode.ORIGINAL_NOT_FOUND
            if field == "original"
            else CivicErrorCode.ISSUE_NOT_FOUND
        )
        raise DomainError(code, "No such civic issue.", field)
    return value


def _issue(row: CivicIssue) -> CivicIssuePayload:
    return CivicIssuePayload(civic_issue=CivicIssueType.from_model(row))


async def _payload(call: Callable[[], Awaitable[CivicIssue]]) -> CivicIssuePayload:
    """`call` runs inside the payload's error handling, so an ID it fails to decode is reported
    like the service's own problems."""

    async def run() -> CivicIssue:
        return await call()

    return await payload(CivicIssuePayload, run(), _issue)


@strawberry.input(description="A city-management problem, with 1-3 photos.")
class ReportCivicIssueInput:
    category: relay.GlobalID = strawberry.field(description="What kind of problem.")
    description: str = strawberry.field(description="What is wrong (2-2000).")
    location: GeoPointInput = strawberry.field(description="Where, on the map.")
    address: str = strawberry.field(default="", description="Address or landmark.")
    photos: list[Upload] = strawberry.field(
        default_factory=list, description="1-3 JPEG, PNG or WebP photos (multipart upload)."
    )
    anonymous: bool = strawberry.field(
        default=False, description="Hide who reported from the public (staff still know)."
    )
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="District; found from the location when not given."
    )
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")
    source: CivicSource = strawberry.field(
        default=CivicSource.APP,
        description="APP; staff taking a call use PHONE (photos optional, contact given).",
    )
    contact_name: str = strawberry.field(default="", description="Caller's name (PHONE).")
    contact_phone: str = strawberry.field(default="", description="A phone to call back.")
    contact_email: str = strawberry.field(default="", description="An e-mail to write to.")


@strawberry.input(description="Open a case: department and deadline default from the category.")
class FileCivicIssueInput:
    issue: relay.GlobalID = strawberry.field(description="The reported issue.")
    department: str | None = strawberry.field(default=None, description="Instead of default.")
    deadline: datetime | None = strawberry.field(default=None, description="Rectify by.")
    note: str = strawberry.field(default="", description="Remark for the timeline.")


@strawberry.input(description="An issue and a reason (required where the step needs one).")
class CivicIssueReasonInput:
    issue: relay.GlobalID = strawberry.field(description="The issue.")
    reason: str = strawberry.field(description="Why (2-500); the reporter sees it.")


@strawberry.input(description="An issue and an optional remark.")
class CivicIssueNoteInput:
    issue: relay.GlobalID = strawberry.field(description="The issue.")
    note: str = strawberry.field(default="", description="Remark for the timeline.")


@strawberry.input(description="A report that repeats an earlier one.")
class MarkCivicIssueDuplicateInput:
    issue: relay.GlobalID = strawberry.field(description="The new report.")
    original: relay.GlobalID = strawberry.field(description="The report it repeats.")
    note: str = strawberry.field(default="", description="Remark for the timeline.")


@strawberry.input(description="Send a filed case to its department.")
class DispatchCivicIssueInput:
    issue: relay.GlobalID = strawberry.field(description="The filed case.")
    department: str | None = strawberry.field(default=None, description="Another department.")
    note: str = strawberry.field(default="", description="Remark for the timeline.")


@strawberry.input(description="The fix is done: with an after photo.")
class RectifyCivicIssueInput:
    issue: relay.GlobalID = strawberry.field(description="The case being rectified.")
    photos: list[Upload] = strawberry.field(
        default_factory=list,
        description="1-3 after photos; may be empty if AFTER photos were added since dispatch.",
    )
    note: str = strawberry.field(default="", description="What was done.")


@strawberry.input(description="More photos of an issue.")
class AddCivicIssuePhotosInput:
    issue: relay.GlobalID = strawberry.field(description="The issue.")
    photos: list[Upload] = strawberry.field(description="1-3 photos.")
    phase: PhotoPhase = strawberry.field(
        default=PhotoPhase.UPDATE, description="UPDATE (reporter, staff) or AFTER (staff)."
    )
    note: str = strawberry.field(default="", description="Remark for the timeline.")


def _optional_id(global_id: relay.GlobalID | None, type_name: str) -> int | None:
    return None if global_id is None else decode_id(global_id, type_name) or -1


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Report a problem with photos (signed in).")
    async def report_civic_issue(
        self, info: Info, input: ReportCivicIssueInput
    ) -> CivicIssuePayload:
        require_user(info.context.principal)
        photos = await read_uploads(input.photos)
        pk = decode_id(input.category, "CivicCategory")
        category = await CIVIC_CATEGORY.load(info, pk) if pk else None
        return await _payload(
            lambda: civic.report_issue(
                info.context.principal,
                category_code=category.code if category else "",
                description=input.description,
                lat=input.location.lat,
                lng=input.location.lng,
                address=input.address,
                photos=photos,
                source=input.source,
                anonymous=input.anonymous,
                district_id=_optional_id(input.district, "District"),
                community_id=_optional_id(input.community, "Community"),
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
                contact_email=input.contact_email,
            )
        )

    @strawberry.mutation(description="Open a case (立案) (DISPATCHER, ADMIN).")
    async def file_civic_issue(self, info: Info, input: FileCivicIssueInput) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.file_issue(
                principal,
                _issue_id(input.issue),
                department=input.department,
                deadline=input.deadline,
                note=input.note,
            )
        )

    @strawberry.mutation(description="Do not file, with the reason (DISPATCHER, ADMIN).")
    async def reject_civic_issue(
        self, info: Info, input: CivicIssueReasonInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.reject_issue(principal, _issue_id(input.issue), input.reason)
        )

    @strawberry.mutation(description="Mark a report a duplicate (DISPATCHER, ADMIN).")
    async def mark_civic_issue_duplicate(
        self, info: Info, input: MarkCivicIssueDuplicateInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.mark_duplicate(
                principal,
                _issue_id(input.issue),
                _issue_id(input.original, "original"),
                input.note,
            )
        )

    @strawberry.mutation(description="Send a filed case to its department (DISPATCHER, ADMIN).")
    async def dispatch_civic_issue(
        self, info: Info, input: DispatchCivicIssueInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.dispatch_issue(
                principal, _issue_id(input.issue), department=input.department, note=input.note
            )
        )

    @strawberry.mutation(description="The department starts the fix (DISPATCHER, ADMIN).")
    async def start_rectification(
        self, info: Info, input: CivicIssueNoteInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.start_rectification(
                principal, _issue_id(input.issue), input.note
            )
        )

    @strawberry.mutation(description="The fix is done, with an after photo (DISPATCHER, ADMIN).")
    async def rectify_civic_issue(
        self, info: Info, input: RectifyCivicIssueInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        photos = await read_uploads(input.photos)
        return await _payload(
            lambda: civic_lifecycle.rectify_issue(
                principal, _issue_id(input.issue), photos=photos, note=input.note
            )
        )

    @strawberry.mutation(
        description="Confirm the fix (the reporter, a civic supervisor, DISPATCHER, ADMIN)."
    )
    async def verify_civic_issue(self, info: Info, input: CivicIssueNoteInput) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.verify_issue(principal, _issue_id(input.issue), input.note)
        )

    @strawberry.mutation(
        description="Not actually fixed: back to DISPATCHED (the reporter, a civic supervisor, "
        "DISPATCHER, ADMIN)."
    )
    async def reopen_civic_issue(
        self, info: Info, input: CivicIssueReasonInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.reopen_issue(principal, _issue_id(input.issue), input.reason)
        )

    @strawberry.mutation(description="Close a case without a fix (DISPATCHER, ADMIN).")
    async def close_civic_issue_unresolved(
        self, info: Info, input: CivicIssueReasonInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        return await _payload(
            lambda: civic_lifecycle.close_unresolved(
                principal, _issue_id(input.issue), input.reason
            )
        )

    @strawberry.mutation(description="More photos (the reporter; AFTER photos: staff).")
    async def add_civic_issue_photos(
        self, info: Info, input: AddCivicIssuePhotosInput
    ) -> CivicIssuePayload:
        principal = info.context.principal
        require_user(principal)
        photos = await read_uploads(input.photos)
        return await _payload(
            lambda: civic_lifecycle.add_photos(
                principal, _issue_id(input.issue), photos, phase=input.phase, note=input.note
            )
        )
