// The wall screen: signs in with its long-lived credential, shows wallSnapshot, and follows the
// centre's dispatchFeed live over graphql-transport-ws (the vendored npm graphql-ws client).
//
// What a screen on a wall meets, and what this does about it:
// - the server restarts or the network drops: graphql-ws reconnects with jittered exponential
//   back-off; the feed resumes after the last event seen (no gap, no repeat); the snapshot is
//   read again; meanwhile the page says "reconnecting" and hides figures that may be stale.
// - the access token expires: it is short-lived and exchanged for a fresh one, with the
//   long-lived wall credential, before it runs out and whenever the server refuses it.
// - the credential itself expires or is revoked: the page says so and keeps trying slowly,
//   until someone opens a new URL from `volunteer-city create-wall-token` on the screen.

import { TodayActivities, draw as drawActivities } from './activities.js';
import { Board, CivicCounts, position } from './board.js';
import { STATE, bilingual, cityDay, clockTime, longDate } from './labels.js';
import * as draw from './render.js';

const SNAPSHOT = `query WallSnapshot($center: ID!) {
  wallSnapshot(dispatchCenter: $center) {
    center { id name escalateAfterMinutes }
    asOf cursor ordersToday ordersPerHour servedToday ratings satisfiedRatings satisfactionRate
    volunteersOnDuty overdueOrders ordersTruncated
    civicIssues { status count } civicIssuesOverdue civicIssuesFiled civicIssuesRectified
    civicIssueRectificationRate
    orders { orderId status category urgency location { lat lng } windowStart windowEnd routedAt dueAt
      district { id name nameEn } }
    map {
      districts { id name nameEn center { lat lng } }
      communities { id center { lat lng } district { id } }
      stations { id kind location { lat lng } }
    }
    activities { id activityId title category startsAt endsAt filled quota district { name nameEn } }
  }
}`;
const FEED = `subscription WallFeed($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    __typename cursor occurredAt
    ... on DispatchEvent {
      type status orderId
      order { id category urgency windowStart windowEnd location { lat lng }
        district { id name nameEn } dispatchCenter { id } }
    }
    ... on CivicIssueEvent {
      eventType issueStatus previousIssueStatus civicIssueId
      civicIssue { category { nameZh nameEn } district { name } }
    }
    ... on WallActivityEvent { activityEventType activityId sessionId filled quota }
  }
}`;
const EXCHANGE = `mutation WallSignIn($credential: String!) {
  refreshToken(input: { refreshToken: $credential }) { token expiresAt errors { code } }
}`;

const CREDENTIAL_KEY = 'volunteer-city.wall.credential';
const TOKEN_MARGIN_MS = 5 * 60_000; // exchange the access token this long before it expires
const RETRY_CAP_MS = 30_000;
const CREDENTIAL_RETRY_MS = 60_000;
const PONG_TIMEOUT_MS = 5_000;
const SNAPSHOT_SPACING_MS = 2_000; // after events, the figures are read again at most this often
const SNAPSHOT_EVERY_MS = 5 * 60_000; // and this often without events (midnight, the clock)
const REMEMBERED_EVENTS = 500;
// On opening, the live list is filled with the day's latest events, read back from the event
// log this many positions before the first snapshot (the log holds every topic's events, so a
// quiet centre may find none of its own there: the list then starts empty, as before).
const HISTORY_POSITIONS = 2_000;

const center = document.body.dataset.center;
const board = new Board(center);
const civic = new CivicCounts();
const activities = new TodayActivities();
const recent = []; // the last events received, in order: re-applied on top of a new snapshot
const seen = new Set();
let snapshot = null;
let cursor = null; // the last event received, or where the day's history is read from
let connections = 0;
let credentialProblem = null;
let reconnectingSince = null;
let dropped = false; // the connection was lost since the snapshot was last read
let opened = null; // the first snapshot's position: events up to it are history, not news
let outlines = new Map(); // district id -> GeoJSON geometry

class CredentialRejected extends Error {}

// The URL fragment never reaches a server or its logs; the credential moves to this browser's
// storage and leaves the address bar at once.
function takeCredential() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    localStorage.setItem(CREDENTIAL_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem(CREDENTIAL_KEY);
}
const credential = takeCredential();

function setState(name) {
  const state = credentialProblem ? 'credential' : name;
  document.body.dataset.connection = state;
  bilingual(document.getElementById('status-text'), STATE[state]);
  const banner = document.getElementById('banner');
  banner.hidden = state !== 'reconnecting';
  if (state === 'reconnecting') {
    reconnectingSince ??= new Date();
    const since = clockTime(reconnectingSince);
    document.getElementById('banner-detail').textContent = `数据暂停于 ${since} · data paused since ${since}`;
  } else if (state === 'live') {
    reconnectingSince = null;
    showCredentialExpiry();
  }
  if (state === 'credential') {
    document.getElementById('credential-expiry').textContent = `凭证无效 credential rejected: ${credentialProblem}`;
  }
}

const tokens = {
  access: null,
  expiresAt: 0,
  exchanging: null,
  async get() {
    if (this.access && this.expiresAt - Date.now() > TOKEN_MARGIN_MS) return this.access;
    this.exchanging ??= this.exchange().finally(() => (this.exchanging = null));
    return this.exchanging;
  },
  async exchange() {
    // refreshToken also returns a new short refresh token: the wall keeps its own, longer one.
    const data = await post(EXCHANGE, { credential }, null);
    const payload = data.refreshToken;
    if (payload.errors.length) {
      credentialProblem = payload.errors[0].code;
      throw new CredentialRejected(credentialProblem);
    }
    credentialProblem = null;
    this.access = payload.token;
    this.expiresAt = Date.parse(payload.expiresAt);
    return this.access;
  },
  forget() {
    this.access = null;
  },
};

async function post(query, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (response.status === 401) throw Object.assign(new Error('unauthorised'), { code: 'NOT_AUTHENTICATED' });
  if (body.errors?.length) {
    const code = body.errors[0].extensions?.code;
    throw Object.assign(new Error(body.errors[0].message), { code });
  }
  return body.data;
}

async function query(document, variables) {
  try {
    return await post(document, variables, await tokens.get());
  } catch (error) {
    if (error.code !== 'NOT_AUTHENTICATED') throw error;
    tokens.forget(); // revoked or expired early (a new SECRET_KEY): exchange once more
    return post(document, variables, await tokens.get());
  }
}

function redraw() {
  if (!snapshot) return;
  const now = Date.now();
  const columns = board.columns(now);
  draw.board(columns, board.truncated);
  draw.figures(snapshot, columns.overdue.length);
  draw.map(snapshot, [...board.orders.values()], (order) => board.columnOf(order, now), outlines);
  draw.chart(snapshot.ordersPerHour, new Date(now));
  draw.civic(civic);
  drawActivities(activities);
}

let snapshotRunning = null;
let snapshotAgain = false;
let lastSnapshot = 0;

// Reads the snapshot and lays the events it does not reflect yet back on top of it.
async function loadSnapshot() {
  if (snapshotRunning) {
    snapshotAgain = true;
    return snapshotRunning;
  }
  snapshotRunning = (async () => {
    const data = await query(SNAPSHOT, { center });
    snapshot = data.wallSnapshot;
    lastSnapshot = Date.now();
    credentialProblem = null;
    board.load(snapshot);
    civic.load(snapshot);
    activities.load(snapshot);
    const reflected = position(snapshot.cursor);
    for (const entry of recent) if (position(entry.cursor) > reflected) apply(entry);
    if (cursor === null) {
      opened = reflected;
      // A cursor is "event:<id>" in base64url (board.js `position`).
      const from = btoa(`event:${Math.max(0, reflected - HISTORY_POSITIONS)}`);
      cursor = from.replace(/\+/g, '-').replace(/\//g, '_');
    }
    redraw();
  })();
  try {
    await snapshotRunning;
  } finally {
    snapshotRunning = null;
    if (snapshotAgain) {
      snapshotAgain = false;
      setTimeout(() => loadSnapshot().catch(() => {}), SNAPSHOT_SPACING_MS);
    }
  }
}

let figuresTimer = null;
function refreshFiguresSoon() {
  if (figuresTimer) return;
  const wait = Math.max(300, lastSnapshot + SNAPSHOT_SPACING_MS - Date.now());
  figuresTimer = setTimeout(() => {
    figuresTimer = null;
    loadSnapshot().catch(() => {});
  }, wait);
}

function receive(entry) {
  if (seen.has(entry.cursor)) {
    document.body.dataset.duplicates = Number(document.body.dataset.duplicates) + 1;
    return;
  }
  seen.add(entry.cursor);
  if (opened !== null && position(entry.cursor) <= opened) {
    // Already in the snapshot: only shown in the list, and only if it happened today.
    cursor = entry.cursor;
    if (cityDay(new Date(entry.occurredAt)) === cityDay(new Date())) draw.event(entry, false);
    return;
  }
  recent.push(entry);
  if (recent.length > REMEMBERED_EVENTS) seen.delete(recent.shift().cursor);
  cursor = entry.cursor;
  document.body.dataset.events = Number(document.body.dataset.events) + 1;
  apply(entry);
  draw.event(entry, true);
  redraw();
  refreshFiguresSoon();
}

// Each kind of dispatchFeed event moves its own panel: orders the board, civic issues theirs,
// activities the sessions of today's activities.
const PANELS = {
  DispatchEvent: board,
  CivicIssueEvent: civic,
  WallActivityEvent: activities,
};
function apply(entry) {
  PANELS[entry.__typename]?.apply(entry);
}

const backoff = (attempt) => {
  const ceiling = Math.min(RETRY_CAP_MS, 1000 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2); // jitter: a city's screens do not stampede
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let socket = null;
let pongTimer = null;
const client = graphqlWs.createClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  // Asked on every (re)connection, so a reconnection carries a current token.
  connectionParams: async () => ({ token: await tokens.get() }),
  retryAttempts: Infinity,
  shouldRetry: () => true,
  retryWait: (retries) => sleep(credentialProblem ? CREDENTIAL_RETRY_MS : backoff(retries)),
  // Our pings: a connection that died without a close (a pulled cable) is noticed and replaced.
  keepAlive: 10_000,
  on: {
    connected: (opened) => {
      socket = opened;
      connections += 1;
      document.getElementById('diagnostics').textContent = `连接 connections ${connections}`;
      if (!dropped) return setState('live');
      // Back after a drop: what happened meanwhile comes from the feed, the figures from here.
      loadSnapshot().then(
        () => {
          dropped = false;
          setState('live');
        },
        () => socket && socket.close(4000, 'Snapshot failed'), // and so try again, backing off
      );
    },
    ping: (received) => {
      if (received) return;
      // A dead connection's close handshake could take a minute: drop it at once (4499) instead.
      pongTimer = setTimeout(() => client.terminate(), PONG_TIMEOUT_MS);
    },
    pong: (received) => received && clearTimeout(pongTimer),
    closed: (event) => {
      socket = null;
      clearTimeout(pongTimer);
      if (event && event.code === 4403) tokens.forget(); // the server refused the token
      dropped = true;
      setState('reconnecting');
    },
  },
});

// One subscription at a time, resumed after the last event seen. graphql-ws re-sends the same
// payload object when it reconnects by itself, so keeping `after` current in it resumes
// there; when the stream ends instead (the server completes it on shutdown, or refuses it),
// a new subscription starts from `cursor` after a back-off.
function follow(attempt = 0) {
  const payload = { query: FEED, variables: { center, after: cursor } };
  client.subscribe(payload, {
    next: (result) => {
      if (!result.data?.dispatchFeed) return;
      attempt = 0;
      receive(result.data.dispatchFeed);
      payload.variables.after = cursor;
    },
    error: (error) => {
      const code = Array.isArray(error) ? error[0]?.extensions?.code : undefined;
      if (code === 'NOT_PERMITTED' || code === 'NOT_AUTHENTICATED') credentialProblem = code;
      setState('reconnecting');
      setTimeout(() => follow(attempt + 1), credentialProblem ? CREDENTIAL_RETRY_MS : backoff(attempt));
    },
    complete: () => {
      setState('reconnecting');
      setTimeout(() => follow(attempt + 1), backoff(attempt));
    },
  });
}

function showCredentialExpiry() {
  try {
    const claims = JSON.parse(atob(credential.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    // One day in both languages: the city's calendar day, as everything else on the page.
    const until = new Date(claims.exp * 1000);
    document.getElementById('credential-expiry').textContent =
      `凭证有效期至 ${longDate(until)} · credential valid until ${cityDay(until)}`;
  } catch {
    // Not a JWT we can read: the server still judges it.
  }
}

function tick() {
  const now = new Date();
  document.getElementById('clock').textContent = clockTime(now);
  document.getElementById('date').textContent = longDate(now);
}

// The districts' outlines, once: reference data that changes with a new bootstrap only.
async function loadOutlines() {
  const response = await fetch('/wall/districts.geojson');
  if (!response.ok) return;
  const collection = await response.json();
  outlines = new Map(collection.features.map((f) => [f.properties.id, f.geometry]));
  redraw();
}

async function start() {
  tick();
  setInterval(tick, 1000);
  // Orders become overdue with time alone; move them when they do.
  setInterval(redraw, 15_000);
  if (!credential) {
    document.getElementById('setup').hidden = false;
    document.getElementById('content').hidden = true;
    setState('setup');
    return;
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      await loadSnapshot();
      break;
    } catch (error) {
      if (error.code === 'NOT_PERMITTED') credentialProblem = error.code;
      setState('connecting');
      await sleep(credentialProblem ? CREDENTIAL_RETRY_MS : backoff(attempt));
    }
  }
  setInterval(() => loadSnapshot().catch(() => {}), SNAPSHOT_EVERY_MS);
  loadOutlines().catch(() => {}); // without them the map draws hulls, as before
  follow();
}

start();
