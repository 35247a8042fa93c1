// A wall screen on the npm `graphql-ws` client: subscribes to `dispatchFeed` of one centre and
// prints one JSON line per protocol step and per event, then exits.
//
// Usage: node subscribe.mjs <ws url> <token> <dispatch centre id> <events> <timeout ms> [after]
// Lines: {"step":"connected"} once the server acknowledged connection_init, then
// {"step":"event","event":{cursor,type,status,orderId}} per order event, or
// {cursor,eventType,issueStatus,civicIssueId} per civic-issue event, then {"step":"done"}.
// Exit codes: 0 after <events> events, 1 on a protocol or GraphQL error, 3 on timeout.
// Node < 22 needs `--experimental-websocket` for the global WebSocket.
import { createClient } from 'graphql-ws';

const FEED = `subscription Feed($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor
    ... on DispatchEvent { type status orderId }
    ... on CivicIssueEvent { eventType issueStatus civicIssueId }
  }
}`;

const [url, token, center, wanted, timeoutMs, after] = process.argv.slice(2);
if (!url || !token || !center || !wanted || !timeoutMs) {
  process.stderr.write('usage: node subscribe.mjs <url> <token> <centre id> <events> <timeout ms> [after]\n');
  process.exit(2);
}
if (typeof WebSocket === 'undefined') {
  process.stderr.write('no global WebSocket: run node with --experimental-websocket\n');
  process.exit(2);
}

const say = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => say({ step: 'connected' }) },
});

let received = 0;
const finish = async (code) => {
  clearTimeout(timer);
  await client.dispose();
  process.exit(code);
};
const timer = setTimeout(() => {
  say({ step: 'timeout', received });
  finish(3);
}, Number(timeoutMs));

client.subscribe(
  { query: FEED, variables: { center, after: after || null } },
  {
    next: (result) => {
      if (result.errors) {
        say({ step: 'error', errors: result.errors });
        finish(1);
        return;
      }
      say({ step: 'event', event: result.data.dispatchFeed });
      received += 1;
      if (received >= Number(wanted)) {
        say({ step: 'done' });
        finish(0);
      }
    },
    error: (error) => {
      const detail = error instanceof Error ? error.message : (error?.reason ?? String(error));
      say({ step: 'error', errors: [{ message: detail, code: error?.code }] });
      finish(1);
    },
    complete: () => {
      say({ step: 'complete', received });
      finish(received >= Number(wanted) ? 0 : 1);
    },
  },
);
