// The open orders of one centre, as the board shows them: loaded from a snapshot, then moved
// by the centre's dispatchFeed events. Which column an order is in depends on the clock too
// (overdue), so columns are computed when drawn, never stored.

const OPEN = new Set(['SUBMITTED', 'ASSIGNED', 'ACCEPTED', 'IN_PROGRESS']);
const NOT_STARTED = new Set(['SUBMITTED', 'ASSIGNED', 'ACCEPTED']);
// Events after which the centre has just received the order: its escalation clock restarts.
const ROUTED = new Set(['ORDER_SUBMITTED', 'ORDER_ESCALATED']);
export const COLUMNS = ['new', 'assigned', 'progress', 'overdue'];

// The event log position of a cursor. Cursors are opaque to other clients; this page is served
// by the app that makes them ("event:<id>", base64url), and it needs their order to tell the
// events a snapshot already reflects from those it does not. The browser test fails if the
// format changes without this.
export function position(cursor) {
  const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  const id = Number(text.slice(text.indexOf(':') + 1));
  if (!text.startsWith('event:') || !Number.isInteger(id)) throw new Error(`not a cursor: ${cursor}`);
  return id;
}

// The rule of services/wall/: unassigned past the centre's escalation time, or not started
// by the start of its window.
function dueAt(status, routedAt, windowStart, escalateMinutes) {
  if (status === 'SUBMITTED') return Math.min(routedAt + escalateMinutes * 60_000, windowStart);
  return NOT_STARTED.has(status) ? windowStart : null;
}

export class Board {
  constructor(centerId) {
    this.centerId = centerId;
    this.orders = new Map();
    this.escalateMinutes = 30;
    this.truncated = false;
  }

  load(snapshot) {
    this.escalateMinutes = snapshot.center.escalateAfterMinutes;
    this.truncated = snapshot.ordersTruncated;
    this.orders = new Map(
      snapshot.orders.map((o) => [
        o.orderId,
        {
          id: o.orderId,
          status: o.status,
          category: o.category,
          urgency: o.urgency,
          district: o.district,
          location: o.location,
          windowStart: Date.parse(o.windowStart),
          windowEnd: Date.parse(o.windowEnd),
          routedAt: Date.parse(o.routedAt),
          dueAt: o.dueAt ? Date.parse(o.dueAt) : null,
        },
      ]),
    );
  }

  // One dispatchFeed event. The event's status is the order's after it; the order's centre
  // is its centre now (an order that moved away leaves this board).
  apply(event) {
    const order = event.order;
    const here = order && order.dispatchCenter && order.dispatchCenter.id === this.centerId;
    if (!here || !OPEN.has(event.status)) {
      this.orders.delete(event.orderId);
      return;
    }
    const known = this.orders.get(event.orderId);
    const occurredAt = Date.parse(event.occurredAt);
    const routedAt = ROUTED.has(event.type) || !known ? occurredAt : known.routedAt;
    const windowStart = Date.parse(order.windowStart);
    this.orders.set(event.orderId, {
      id: event.orderId,
      status: event.status,
      category: order.category,
      urgency: order.urgency,
      district: order.district,
      location: order.location,
      windowStart,
      windowEnd: Date.parse(order.windowEnd),
      routedAt,
      dueAt: dueAt(event.status, routedAt, windowStart, this.escalateMinutes),
    });
  }

  columnOf(order, now) {
    if (order.dueAt !== null && order.dueAt <= now) return 'overdue';
    if (order.status === 'SUBMITTED') return 'new';
    return order.status === 'IN_PROGRESS' ? 'progress' : 'assigned';
  }

  // Every column's orders, the most pressing first.
  columns(now) {
    const columns = Object.fromEntries(COLUMNS.map((c) => [c, []]));
    for (const order of this.orders.values()) columns[this.columnOf(order, now)].push(order);
    const pressing = (a, b) => (a.dueAt ?? a.windowEnd) - (b.dueAt ?? b.windowEnd) || (a.id < b.id ? -1 : 1);
    for (const list of Object.values(columns)) list.sort(pressing);
    return columns;
  }
}

// The centre's open civic issues by status: loaded from a snapshot, then moved by the
// CivicIssueEvents of the feed (each says the status before and after it).
export class CivicCounts {
  constructor() {
    this.counts = {};
    this.overdue = 0;
  }

  load(snapshot) {
    this.counts = Object.fromEntries(snapshot.civicIssues.map((c) => [c.status, c.count]));
    this.overdue = snapshot.civicIssuesOverdue;
  }

  apply(event) {
    const [from, to] = [event.previousIssueStatus, event.issueStatus];
    if (from === to) return;
    if (from in this.counts) this.counts[from] = Math.max(0, this.counts[from] - 1);
    if (to in this.counts) this.counts[to] += 1;
  }
}
