#!/usr/bin/env bash
# Prints what changed in schema.graphql against a base (main's, or the commit before on main),
# with breaking changes flagged. It informs and never fails the build: a breaking change is
# allowed when CHANGELOG.md says what a client changes.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${SCHEMA_BASE:-}"
if [ -z "$base" ]; then
  if git rev-parse -q --verify main >/dev/null && [ "$(git rev-parse HEAD)" != "$(git rev-parse main)" ]; then
    base="$(git merge-base HEAD main)"
  elif git rev-parse -q --verify HEAD^ >/dev/null; then
    base="HEAD^"
  else
    echo "schema diff: no earlier commit to compare with"; exit 0
  fi
fi
old="$(mktemp --suffix=.graphql)"
trap 'rm -f "$old"' EXIT
if ! git show "$base:schema.graphql" >"$old" 2>/dev/null; then
  echo "schema diff: $base has no schema.graphql"; exit 0
fi
echo "schema.graphql against $(git rev-parse --short "$base"):"
if node_modules/.bin/graphql-inspector diff "$old" schema.graphql; then
  :
else
  echo "schema diff: BREAKING changes above (✖) — each must be in CHANGELOG.md with what a client changes"
fi
