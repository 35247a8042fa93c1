// Runs the GraphQL-over-HTTP conformance audit of the npm `graphql-http` package against a
// running server and prints one JSON array: [{ id, name, status, reason }], where status is
// "ok", or for a failed audit "error" (MUST), "warn" (SHOULD) or "notice" (MAY).
// Usage: node tests/js/audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node audit.mjs <graphql endpoint url>\n');
  process.exit(2);
}

const results = await auditServer({ url });
const report = results.map(({ id, name, status, reason }) => ({
  id,
  name,
  status,
  ...(reason === undefined ? {} : { reason }),
}));
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
