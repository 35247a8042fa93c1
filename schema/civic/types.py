from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry import relay

from models.civic import (
    OPEN_CASE,
    CivicAction,
    CivicCategory,
    CivicIssue,
    CivicIssueTransition,
    CivicPhoto,
    CivicSource,
    CivicStatus,
    PhotoPhase,
)
from models.events import Event
from schema.accounts.loaders import USER
from schema.civic.loaders import (
    CIVIC_CATEGORY,
    CIVIC_ISSUE,
    PHOTOS_OF_CIVIC_ISSUE,
    TIMELINE_OF_CIVIC_ISSUE,
)
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids, load_nodes
from schema.dispatch.loaders import DISPATCH_CENTER
from schema.dispatch.types import DispatchCenterType, WallEvent
from schema.geography.loaders import COMMUNITY, DISTRICT
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from services import civic
from services.civic.errors import CivicErrorCode
from services.civic.events import CivicEventType
from services.common.storage import media_url
from services.dispatch import STAFF
from subscriptions.events import encode_cursor

strawberry.enum(
    CivicStatus,
    description="Where a civic issue is: REPORTED, then FILED (a case, 立案), NOT_FILED or "
    "DUPLICATE; a filed case is DISPATCHED to its department, RECTIFYING, RECTIFIED (with an "
    "after photo), then VERIFIED, or reopened back to DISPATCHED; CLOSED_UNRESOLVED is a "
    "closure that is not a fix.",
)
strawberry.enum(CivicAction, description="What a timeline step did.")
strawberry.enum(CivicSource, description="How the report reached the city.")
strawberry.enum(
    PhotoPhase, description="REPORT (with the report), UPDATE (later), AFTER (after the fix)."
)
strawberry.enum(CivicErrorCode, description="Why a civic request failed.")
strawberry.enum(CivicEventType, description="What happened to an issue.")


@strawberry.type(
    name="CivicCategory",
    description="A kind of city-management problem, with the department answering for it.",
)
class CivicCategoryType(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. ILLEGAL_PARKING (Open311).")
    name_zh: str = strawberry.field(description="Chinese name, e.g. 违章停车.")
    name_en: str = strawberry.field(description="English name.")
    description: str = strawberry.field(description="What belongs here.")
    group: str = strawberry.field(description="Heading it is listed under.")
    department: str = strawberry.field(description="The department that rectifies it.")
    deadline_hours: int = strawberry.field(description="Default hours to rectify once filed.")
    active: bool = strawberry.field(description="Can be reported now.")

    @classmethod
    def from_model(cls, row: CivicCategory) -> CivicCategoryType:
        return cls(
            id=row.id,
            code=row.code,
            name_zh=row.name_zh,
            name_en=row.name_en,
            description=row.description,
            group=row.group_name,
            department=row.department,
            deadline_hours=row.deadline_hours,
            active=row.active,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(CivicCategory, node_ids, cls.from_model)


@strawberry.type(name="CivicPhoto", description="A photo of an issue, cleaned of all metadata.")
class CivicPhotoType:
    phase: PhotoPhase = strawberry.field(description="When it was taken.")
    url: str = strawberry.field(description="The photo (stable; cache it).")
    thumbnail_url: str = strawberry.field(description="A JPEG at most 320 px on a side.")
    content_type: str = strawberry.field(description="image/jpeg, image/png or image/webp.")
    width: int = strawberry.field(description="Pixels, upright.")
    height: int = strawberry.field(description="Pixels, upright.")
    size: int = strawberry.field(description="Bytes.")
    sha256: str = strawberry.field(description="Hex SHA-256 of the stored file.")
    created_at: datetime = strawberry.field(description="When uploaded.")

    @classmethod
    def from_model(cls, row: CivicPhoto) -> CivicPhotoType:
        return cls(
            phase=row.phase,
            url=media_url(row.storage_key),
            thumbnail_url=media_url(row.thumbnail_key),
            content_type=row.content_type,
            width=row.width,
            height=row.height,
            size=row.size,
            sha256=row.sha256,
            created_at=row.created_at,
        )


@strawberry.type(description="Who reported an issue, as far as you may know.")
class CivicReporter:
    name: str = strawberry.field(description="Full for staff and the reporter; else masked.")
    is_you: bool = strawberry.field(description="You reported it.")


@strawberry.type(description="How to reach the reporter (staff and the reporter only).")
class CivicContact:
    name: str = strawberry.field(description="Name given with the report.")
    phone: str = strawberry.field(description="Phone given with the report.")
    email: str = strawberry.field(description="E-mail given with the report.")


@strawberry.type(description="One step of an issue's timeline.")
class CivicTimelineEntry:
    action: CivicAction = strawberry.field(description="What was done.")
    from_status: CivicStatus | None = strawberry.field(description="Before; null at first.")
    to_status: CivicStatus = strawberry.field(description="After.")
    at: datetime = strawberry.field(description="When.")
    note: str = strawberry.field(description="Reason or remark.")
    by_reporter: bool = strawberry.field(description="The reporter did this.")
    row: strawberry.Private[CivicIssueTransition]

    @strawberry.field(description="Who did it: staff see names; others see null.")
    async def actor_name(self, info: Info) -> str | None:
        if not info.context.principal.has_role(*STAFF) or self.row.actor_id is None:
            return None
        user = await USER.load(info, self.row.actor_id)
        return user.display_name if user else None


@strawberry.type(
    name="CivicIssue",
    description="A city-management problem reported with photos (数字城管), and its case.",
)
class CivicIssueType(relay.Node):
    id: relay.NodeID[int]
    token: str = strawberry.field(description="Public reference (the Open311 request id).")
    status: CivicStatus = strawberry.field(description="Where it is now.")
    status_note: str = strawberry.field(description="The latest step's reason or remark.")
    description: str = strawberry.field(description="What is wrong.")
    location: GeoPoint = strawberry.field(description="Where.")
    address: str = strawberry.field(description="Address as given.")
    source: CivicSource = strawberry.field(description="How it was reported.")
    anonymous: bool = strawberry.field(description="The reporter is hidden from the public.")
    department: str = strawberry.field(description="Department responsible once filed.")
    deadline: datetime | None = strawberry.field(description="Rectify by; set when filed.")
    reported_at: datetime = strawberry.field(description="When reported.")
    filed_at: datetime | None = strawberry.field(description="When filed as a case.")
    rectified_at: datetime | None = strawberry.field(description="When the standing fix was made.")
    verified_at: datetime | None = strawberry.field(description="When the fix was confirmed.")
    closed_at: datetime | None = strawberry.field(description="When not filed or closed.")
    updated_at: datetime = strawberry.field(description="Last change.")
    reopen_count: int = strawberry.field(description="Times a fix was found wanting.")
    row: strawberry.Private[CivicIssue]

    @classmethod
    def from_model(cls, row: CivicIssue) -> CivicIssueType:
        return cls(
            id=row.id,
            token=row.token,
            status=row.status,
            status_note=row.status_note,
            description=row.description,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            address=row.address,
            source=row.source,
            anonymous=row.anonymous,
            department=row.department,
            deadline=row.deadline,
            reported_at=row.reported_at,
            filed_at=row.filed_at,
            rectified_at=row.rectified_at,
            verified_at=row.verified_at,
            closed_at=row.closed_at,
            updated_at=row.updated_at,
            reopen_count=row.reopen_count,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaded = await CIVIC_ISSUE.load_many(info, database_ids(node_ids))
        return [cls.from_model(row) if row else None for row in loaded]

    @strawberry.field(description="Open past its deadline now.")
    def overdue(self) -> bool:
        deadline = self.row.deadline
        return self.row.status in OPEN_CASE and deadline is not None and deadline < _now()

    @strawberry.field(description="The kind of problem.")
    async def category(self, info: Info) -> CivicCategoryType:
        row = await CIVIC_CATEGORY.load(info, self.row.category_id)
        assert row is not None
        return CivicCategoryType.from_model(row)

    @strawberry.field(description="District of the place.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.row.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Community of the place, if known.")
    async def community(self, info: Info) -> CommunityType | None:
        if self.row.community_id is None:
            return None
        row = await COMMUNITY.load(info, self.row.community_id)
        return CommunityType.from_model(row) if row else None

    @strawberry.field(description="The dispatch centre following it.")
    async def dispatch_center(self, info: Info) -> DispatchCenterType:
        row = await DISPATCH_CENTER.load(info, self.row.dispatch_center_id)
        assert row is not None
        return DispatchCenterType.from_model(row)

    @strawberry.field(description="The earlier report this repeats; its updates apply here.")
    async def duplicate_of(self, info: Info) -> CivicIssueType | None:
        if self.row.duplicate_of_id is None:
            return None
        row = await CIVIC_ISSUE.load(info, self.row.duplicate_of_id)
        return CivicIssueType.from_model(row) if row else None

    @strawberry.field(description="Photos, oldest first.")
    async def photos(self, info: Info) -> list[CivicPhotoType]:
        rows = await PHOTOS_OF_CIVIC_ISSUE.load(info, self.row.id)
        return [CivicPhotoType.from_model(r) for r in rows]

    @strawberry.field(description="Every step of its life, oldest first.")
    async def timeline(self, info: Info) -> list[CivicTimelineEntry]:
        rows = await TIMELINE_OF_CIVIC_ISSUE.load(info, self.row.id)
        return [
            CivicTimelineEntry(
                action=r.action,
                from_status=r.from_status,
                to_status=r.to_status,
                at=r.at,
                note=r.note,
                by_reporter=r.actor_id is not None and r.actor_id == self.row.reporter_id,
                row=r,
            )
            for r in rows
        ]

    @strawberry.field(
        description="Who reported it: full for staff and the reporter, a masked name for "
        "others, and null for others when the report is anonymous or came without an account."
    )
    async def reporter(self, info: Info) -> CivicReporter | None:
        access = civic.reporter_access(info.context.principal, self.row)
        user_id = info.context.principal.user_id
        is_you = user_id is not None and user_id == self.row.reporter_id
        if access == civic.ReporterAccess.HIDDEN:
            return None
        name = self.row.contact_name
        if self.row.reporter_id is not None:
            user = await USER.load(info, self.row.reporter_id)
            name = user.display_name if user else name
        if not name:
            return None
        if access == civic.ReporterAccess.MASKED:
            name = civic.mask_name(name)
        return CivicReporter(name=name, is_you=is_you)

    @strawberry.field(description="Contact details given with the report (staff, reporter).")
    def contact(self, info: Info) -> CivicContact | None:
        if civic.reporter_access(info.context.principal, self.row) != civic.ReporterAccess.FULL:
            return None
        return CivicContact(
            name=self.row.contact_name, phone=self.row.contact_phone, email=self.row.contact_email
        )


def _now() -> datetime:
    return datetime.now(UTC)


@strawberry.type(description="An open issue near a place, for spotting duplicates.")
class SimilarIssue:
    issue: CivicIssueType = strawberry.field(description="The issue.")
    distance_meters: float = strawberry.field(description="Great-circle distance.")


@strawberry.type(description="A status change (or new photos) of a civic issue, with its cursor.")
class CivicIssueEvent(WallEvent):
    # Named apart from DispatchEvent's `type`/`status` (enums of other types): a wall selects
    # both in one document, and GraphQL refuses same-named fields of different types there.
    event_type: CivicEventType = strawberry.field(description="What happened.")
    issue_status: CivicStatus = strawberry.field(description="The issue's status after it.")
    previous_issue_status: CivicStatus | None = strawberry.field(
        description="Its status before; null for a new report."
    )
    civic_issue_id: relay.GlobalID = strawberry.field(description="The issue.")
    row: strawberry.Private[Event]
    # Marks the payload as the same for every subscriber of the event (schema/fanout/execution.py).
    event_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Event) -> CivicIssueEvent:
        previous = row.payload.get("previousStatus")
        return cls(
            cursor=encode_cursor(row.id),
            event_type=CivicEventType(row.type),
            occurred_at=row.created_at,
            issue_status=CivicStatus(row.payload["status"]),
            previous_issue_status=CivicStatus(previous) if previous else None,
            note=str(row.payload.get("note", "")),
            civic_issue_id=relay.GlobalID("CivicIssue", str(row.payload["civicIssueId"])),
            row=row,
            event_id=row.id,
        )

    @classmethod
    def shared(cls, row: Event, views: dict[str, Any]) -> CivicIssueEvent:
        """One payload object per event for all its subscribers (`views`: the hub's)."""
        event = views.get("CivicIssueEvent")
        if event is None:
            event = views["CivicIssueEvent"] = cls.from_row(row)
        assert isinstance(event, CivicIssueEvent)
        return event

    @strawberry.field(description="The issue as it is when the event is delivered.")
    async def civic_issue(self, info: Info) -> CivicIssueType | None:
        row = await CIVIC_ISSUE.load(info, int(self.row.payload["civicIssueId"]))
        return CivicIssueType.from_model(row) if row else None


@strawberry.type(description="A problem with a civic-issue request.")
class CivicIssueError(DomainErrorType[CivicErrorCode]):
    field: str | None = strawberry.field(
        description="The input field at fault, if one is; `photos.<index>` for one photo."
    )


@payload_type(description="The category after the change, or why nothing changed.")
class CivicCategoryPayload(Payload[CivicIssueError]):
    civic_category: CivicCategoryType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="The issue after the change, or why nothing changed.")
class CivicIssuePayload(Payload[CivicIssueError]):
    civic_issue: CivicIssueType | None = strawberry.field(
        default=None, description="Null on errors."
    )
