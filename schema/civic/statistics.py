from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema.core.relay import optional_id_of
from services.civic import statistics as civic_statistics


@strawberry.input(description="Which civic issues the statistics count.")
class CivicIssueStatisticsFilter:
    district: relay.GlobalID | None = strawberry.field(default=None, description="District.")
    category: relay.GlobalID | None = strawberry.field(default=None, description="Category.")
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Reported at or after this moment."
    )
    to: datetime | None = strawberry.field(default=None, description="Reported before this.")

    def to_filter(self) -> civic_statistics.CivicFilter:
        return civic_statistics.CivicFilter(
            district_id=optional_id_of(
                self.district, "District", "CivicIssueStatisticsFilter.district"
            ),
            category_id=optional_id_of(
                self.category, "CivicCategory", "CivicIssueStatisticsFilter.category"
            ),
            reported_from=self.from_,
            reported_to=self.to,
        )


@strawberry.type(
    name="CivicIssueStatistics",
    description="What became of the civic issues reported in a period, each counted by its "
    "state now. The rectification rate is rectified ÷ filed: a reopened fix stops counting "
    "until the issue is rectified again, and a closure without a fix never counts.",
)
class CivicIssueStatisticsType:
    reported: int = strawberry.field(description="Issues reported.")
    filed: int = strawberry.field(description="Of them, opened as a case (立案), at any time.")
    not_filed: int = strawberry.field(description="Not filed (rejected with a reason).")
    duplicates: int = strawberry.field(description="Marked duplicates of an earlier report.")
    rectified: int = strawberry.field(
        description="Whose fix stands now (RECTIFIED or VERIFIED, not reopened since)."
    )
    verified: int = strawberry.field(description="Of rectified, confirmed (VERIFIED).")
    reopened: int = strawberry.field(description="Reopened at least once (fix found wanting).")
    closed_unresolved: int = strawberry.field(description="Closed without a fix.")
    overdue: int = strawberry.field(description="Open cases past their deadline now.")
    rectification_rate: float | None = strawberry.field(
        description="rectified ÷ filed, 0-1; null when nothing was filed."
    )
    median_hours_to_rectify: float | None = strawberry.field(
        description="Median hours from filing to the standing fix, over rectified issues."
    )

    @classmethod
    def from_statistics(cls, s: civic_statistics.CivicStatistics) -> CivicIssueStatisticsType:
        median = s.median_seconds_to_rectify
        return cls(
            reported=s.reported,
            filed=s.filed,
            not_filed=s.not_filed,
            duplicates=s.duplicates,
            rectified=s.rectified,
            verified=s.verified,
            reopened=s.reopened,
            closed_unresolved=s.closed_unresolved,
            overdue=s.overdue,
            rectification_rate=s.rectification_rate,
            median_hours_to_rectify=round(median / 3600, 2) if median is not None else None,
        )
