// What a front-end does with the generated types; `tsc --strict` checks it against them.
import type {
  MyAssignmentsQuery,
  SubmitOrderMutation,
  VolunteerPageQuery,
  VolunteerPageQueryVariables,
  WallFeedSubscription,
} from "./__generated__/operations";

export function firstPage(district: string): VolunteerPageQueryVariables {
  return { first: null, district };
}

export function rows(data: VolunteerPageQuery): string[] {
  return data.volunteers.edges.map(({ node }) => {
    const registered: string = node.registeredAt;
    const hours: string = node.totalHours;
    return `${node.realName} ★${node.starLevel} ${hours} h since ${registered.slice(0, 10)}`;
  });
}

export function nextCursor(data: VolunteerPageQuery): string | null {
  return data.volunteers.pageInfo.hasNextPage ? (data.volunteers.pageInfo.endCursor ?? null) : null;
}

export function submitted(data: SubmitOrderMutation): string {
  const payload = data.submitOrder;
  if (payload.errors.length > 0) {
    return payload.errors.map((e) => `${e.field ?? "input"}: ${e.code} ${e.message}`).join("; ");
  }
  return payload.order ? `${payload.order.id} ${payload.order.status}` : "";
}

export function panel(event: WallFeedSubscription["dispatchFeed"]): string {
  switch (event.__typename) {
    case "DispatchEvent":
      return `order ${event.orderId}: ${event.type} → ${event.status}`;
    case "CivicIssueEvent":
      return `issue ${event.civicIssueId}: ${event.eventType} → ${event.issueStatus}`;
    case "WallActivityEvent":
      return `session ${event.sessionId ?? "-"}: ${event.activityEventType} ${event.filled ?? "-"}/${event.quota ?? "-"}`;
  }
}

export function assignmentLines(data: MyAssignmentsQuery): string[] {
  return data.myAssignments.edges.map(({ node }) => {
    const holder = node.organization ? ` via ${node.organization.name}` : "";
    const start: string = node.order.windowStart;
    return `${node.order.id} ${node.status}${holder} from ${start}`;
  });
}
