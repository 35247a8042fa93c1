// Drawing the wall: figures, board, live events, the map (SVG from coordinates, no tiles) and
// the hour-by-hour chart. Only textContent and SVG attributes: nothing is parsed as HTML.

import { COLUMNS } from './board.js';
import {
  ACTIVITY_EVENT, CATEGORY, CIVIC_EVENT, CIVIC_STATUS, EVENT, STATUS, URGENCY, bilingual, cityDay, cityHour,
  clockTime, hourMinute, labelOf, shortDate,
} from './labels.js';

const SVG = 'http://www.w3.org/2000/svg';
const CARDS_PER_COLUMN = 7;
const EVENTS_SHOWN = 9;
const $ = (selector) => document.querySelector(selector);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const percent = (rate) => (rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`);

export function figures(snapshot, overdue) {
  $('#f-orders-today').textContent = snapshot.ordersToday;
  $('#f-served-today').textContent = snapshot.servedToday;
  $('#f-satisfaction').textContent = percent(snapshot.satisfactionRate);
  $('#f-satisfaction-detail').textContent = `${snapshot.satisfiedRatings} / ${snapshot.ratings}`;
  $('#f-on-duty').textContent = snapshot.volunteersOnDuty;
  $('#f-overdue').textContent = overdue;
  $('#f-rectification').textContent = percent(snapshot.civicIssueRectificationRate);
  $('#f-rectification-detail').textContent = `${snapshot.civicIssuesRectified} / ${snapshot.civicIssuesFiled}`;
  $('#as-of').textContent = `数据时间 · Figures as of ${clockTime(new Date(snapshot.asOf))}`;
}

function card(order) {
  const item = element('li', 'card');
  item.dataset.order = order.id;
  item.append(bilingual(element('span', 'what'), labelOf(CATEGORY, order.category)));
  const district = order.district ? [order.district.name, order.district.nameEn] : undefined;
  item.append(bilingual(element('span', 'where'), district));
  item.append(element('span', 'when', timeWindow(new Date(order.windowStart), new Date(order.windowEnd))));
  if (order.urgency === 'HIGH' || order.urgency === 'CRITICAL') {
    item.append(bilingual(element('span', 'urgency'), labelOf(URGENCY, order.urgency)));
  }
  return item;
}

// A window with its day: "12月4日 09:00–11:00", the end's day too when it is another one.
export function timeWindow(start, end) {
  const until = cityDay(end) === cityDay(start) ? hourMinute(end) : `${shortDate(end)} ${hourMinute(end)}`;
  return `${shortDate(start)} ${hourMinute(start)}–${until}`;
}

// As many cards as the column has room for, the rest counted in a last line.
export function board(columns, truncated) {
  for (const name of COLUMNS) {
    const column = document.querySelector(`.column[data-column="${name}"]`);
    const orders = columns[name];
    column.querySelector('output').textContent = orders.length + (truncated ? '+' : '');
    const list = column.querySelector('ol');
    list.replaceChildren(...orders.slice(0, CARDS_PER_COLUMN).map(card));
    let shown = list.children.length;
    const overflowing = () => list.scrollHeight > list.clientHeight;
    if (shown < orders.length || overflowing()) {
      const more = list.appendChild(element('li', 'more'));
      const count = () => (more.textContent = `+${orders.length - shown} 更多 more`);
      count();
      while (shown > 0 && overflowing()) {
        more.previousElementSibling.remove();
        shown -= 1;
        count();
      }
    }
  }
}

// One line of the live list: an order's event or a civic issue's, newest on top.
export function event(entry, fresh) {
  const item = element('li', fresh ? 'fresh' : '');
  item.dataset.cursor = entry.cursor;
  item.append(element('time', '', clockTime(new Date(entry.occurredAt))));
  let details;
  if (entry.__typename === 'WallActivityEvent') {
    item.dataset.session = entry.sessionId ?? '';
    item.dataset.type = entry.activityEventType;
    item.classList.add('activity');
    item.append(bilingual(element('span', 'what'), labelOf(ACTIVITY_EVENT, entry.activityEventType)));
    const places = entry.quota === null || entry.quota === undefined ? null : `${entry.filled}/${entry.quota}`;
    details = [entry.title, places];
  } else if (entry.__typename === 'CivicIssueEvent') {
    item.dataset.issue = entry.civicIssueId;
    item.dataset.type = entry.eventType;
    item.classList.add('civic');
    item.append(bilingual(element('span', 'what'), labelOf(CIVIC_EVENT, entry.eventType)));
    const issue = entry.civicIssue;
    details = [issue?.category?.nameZh, issue?.district?.name, labelOf(CIVIC_STATUS, entry.issueStatus)[0]];
  } else {
    item.dataset.order = entry.orderId;
    item.dataset.type = entry.type;
    item.append(bilingual(element('span', 'what'), labelOf(EVENT, entry.type)));
    const order = entry.order;
    details = [order && labelOf(CATEGORY, order.category)[0], order?.district?.name, labelOf(STATUS, entry.status)[0]];
  }
  item.append(element('span', 'where', details.filter(Boolean).join(' · ')));
  const list = $('#events');
  list.prepend(item);
  while (list.children.length > EVENTS_SHOWN) list.lastElementChild.remove();
}

// Andrew's monotone chain: the outline of a district drawn around its community points.
function hull(points) {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list) => {
    const out = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

// An equirectangular projection of the area's points into the SVG's box, north up.
function projection(points, width, height, margin) {
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const squeeze = Math.cos(((north + south) / 2) * (Math.PI / 180));
  const spanX = Math.max((east - west) * squeeze, 0.01);
  const spanY = Math.max(north - south, 0.01);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (height - spanY * scale) / 2;
  return ({ lat, lng }) => [offsetX + (lng - west) * squeeze * scale, offsetY + (north - lat) * scale];
}

// The outer rings of a district's MultiPolygon (lng, lat pairs), as points.
function outlineRings(geometry) {
  return geometry.coordinates.map((polygon) => polygon[0].map(([lng, lat]) => ({ lat, lng })));
}

// Labels pushed down until they clear the ones placed before them (two districts whose seats
// are a few km apart, Huicheng and Zhongkai, would print on top of each other).
function placeLabels(labels) {
  const placed = [];
  return labels.map(({ x, y, text }) => {
    const width = 24 * [...text].length;
    let top = y;
    while (placed.some((p) => Math.abs(p.x - x) < (p.width + width) / 2 && Math.abs(p.y - top) < 28)) top += 28;
    placed.push({ x, y: top, width });
    return { x, y: top, text };
  });
}

// `outlines`: district id -> GeoJSON geometry, from /wall/districts.geojson. A district without
// one (a functional zone inside another) is drawn as the hull of its community points.
export function map(snapshot, orders, columnOf, outlines = new Map()) {
  const canvas = $('#map');
  const [, , width, height] = canvas.getAttribute('viewBox').split(' ').map(Number);
  const area = snapshot.map;
  const rings = new Map(area.districts.filter((d) => outlines.has(d.id)).map((d) => [d.id, outlineRings(outlines.get(d.id))]));
  const points = [
    ...[...rings.values()].flat(2),
    ...area.districts.map((d) => d.center),
    ...area.communities.map((c) => c.center),
    ...area.stations.map((s) => s.location),
    ...orders.map((o) => o.location),
  ];
  if (points.length === 0) return canvas.replaceChildren();
  const project = projection(points, width, height, 24);
  const layers = [];
  for (const district of area.districts) {
    if (rings.has(district.id)) {
      const d = rings.get(district.id).map((ring) => `M${ring.map((p) => project(p).map((v) => v.toFixed(1)).join(',')).join('L')}Z`).join('');
      layers.push(svg('path', { class: 'area', d, 'data-district': district.id }));
      continue;
    }
    const own = area.communities.filter((c) => c.district.id === district.id).map((c) => project(c.center));
    const outline = hull([project(district.center), ...own]);
    if (outline.length >= 3) {
      layers.push(svg('polygon', { class: 'area zone', points: outline.map((p) => p.join(',')).join(' ') }));
    }
  }
  for (const community of area.communities) {
    const [x, y] = project(community.center);
    layers.push(svg('circle', { class: 'community', cx: x, cy: y, r: 4 }));
  }
  for (const station of area.stations) {
    const [x, y] = project(station.location);
    layers.push(svg('rect', { class: 'station', x: x - 5, y: y - 5, width: 10, height: 10 }));
  }
  // Orders at one (rounded) point are spread on a small spiral, so each stays visible.
  const stacked = new Map();
  for (const order of orders) {
    const [x, y] = project(order.location);
    const key = `${Math.round(x)},${Math.round(y)}`;
    const n = stacked.get(key) ?? 0;
    stacked.set(key, n + 1);
    const angle = n * 2.39996;
    const radius = 11 * Math.sqrt(n);
    layers.push(svg('circle', {
      class: `order ${columnOf(order)}`,
      cx: x + radius * Math.cos(angle),
      cy: y + radius * Math.sin(angle),
      r: 9,
      'data-order': order.id,
    }));
  }
  const labels = area.districts.map((district) => {
    const [x, y] = project(district.center);
    return { x, y: y - 16, text: district.name };
  });
  for (const { x, y, text } of placeLabels(labels)) layers.push(svg('text', { class: 'label', x, y }, text));
  canvas.replaceChildren(...layers);
}

export function chart(perHour, now) {
  const canvas = $('#chart');
  const [, , width, height] = canvas.getAttribute('viewBox').split(' ').map(Number);
  const top = 26;
  const bottom = 26;
  const step = width / 24;
  const highest = Math.max(1, ...perHour);
  const current = cityHour(now);
  const bars = [];
  perHour.forEach((count, hour) => {
    const barHeight = ((height - top - bottom) * count) / highest;
    const x = hour * step + step * 0.15;
    const y = height - bottom - barHeight;
    bars.push(svg('rect', {
      class: hour === current ? 'bar now' : 'bar', x, y, width: step * 0.7, height: barHeight,
      'data-hour': hour, 'data-count': count,
    }));
    if (count > 0) bars.push(svg('text', { class: 'value', x: x + step * 0.35, y: y - 5 }, count));
    if (hour % 3 === 0) bars.push(svg('text', { class: 'axis', x: x + step * 0.35, y: height - 4 }, `${hour}时`));
  });
  canvas.replaceChildren(...bars);
}

export function civic(counts) {
  const items = Object.entries(counts.counts).map(([status, count]) => {
    const item = element('li');
    item.dataset.status = status;
    item.append(bilingual(element('span'), labelOf(CIVIC_STATUS, status)), element('output', '', count));
    return item;
  });
  const late = element('li', 'alert');
  late.dataset.status = 'OVERDUE';
  late.append(bilingual(element('span'), ['超期', 'Overdue']), element('output', '', counts.overdue));
  $('#civic ol').replaceChildren(...items, late);
}
