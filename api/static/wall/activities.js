// The "today's activities" panel: the day's sessions in the centre's area with places filled of
// the quota, from wallSnapshot, moved live by the feed's WallActivityEvent (each carries the
// session's places as they are when it is delivered, so applying one twice changes nothing).

import { ACTIVITY_CATEGORY, bilingual, hourMinute, labelOf } from './labels.js';

const SHOWN = 3; // the live-events panel above keeps the rest of the column

export class TodayActivities {
  constructor() {
    this.sessions = new Map(); // session id -> the snapshot's session, with live counts
  }

  load(snapshot) {
    this.sessions = new Map(snapshot.activities.map((s) => [s.id, { ...s }]));
  }

  apply(entry) {
    const session = entry.sessionId && this.sessions.get(entry.sessionId);
    if (!session) return; // another day's session, or one the next snapshot brings
    entry.title = session.title;
    if (entry.quota !== null && entry.quota !== undefined) {
      session.filled = entry.filled;
      session.quota = entry.quota;
    }
    if (entry.activityEventType === 'ACTIVITY_CANCELLED') this.sessions.delete(entry.sessionId);
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function draw(panel) {
  const list = document.querySelector('#activities ol');
  const sessions = [...panel.sessions.values()];
  const items = sessions.slice(0, SHOWN).map((session) => {
    const item = element('li');
    item.dataset.session = session.id;
    if (session.quota && session.filled >= session.quota) item.classList.add('full');
    const when = `${hourMinute(new Date(session.startsAt))}–${hourMinute(new Date(session.endsAt))}`;
    item.append(element('time', '', when));
    item.append(element('strong', 'what', session.title));
    const where = element('span', 'where');
    where.append(bilingual(element('span', 'kind'), labelOf(ACTIVITY_CATEGORY, session.category)));
    where.append(document.createTextNode(` · ${session.district?.name ?? ''}`));
    item.append(where);
    const places = element('output', 'places', `${session.filled}/${session.quota}`);
    places.title = '已报名/名额 filled/places';
    item.append(places);
    return item;
  });
  if (!items.length) {
    items.push(bilingual(element('li', 'empty'), ['今日暂无活动', 'No activities today']));
  }
  const more = sessions.length - SHOWN;
  if (more > 0) items.push(bilingual(element('li', 'more'), [`另有 ${more} 场`, `${more} more`]));
  list.replaceChildren(...items);
  const total = document.querySelector('#activities h2 output');
  const filled = sessions.reduce((sum, s) => sum + s.filled, 0);
  const quota = sessions.reduce((sum, s) => sum + s.quota, 0);
  total.textContent = sessions.length ? `${filled}/${quota}` : '';
}
