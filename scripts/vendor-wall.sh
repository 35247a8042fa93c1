#!/usr/bin/env bash
# Vendor the npm `graphql-ws` client's browser build into api/static/wall/, so that the wall
# screen's page (GET /wall/<centre>) works on a network without internet access. Needs npm and
# a registry; the result is committed, and `make run` needs neither.
#
#   scripts/vendor-wall.sh                            # re-create the committed files (no diff)
#   GRAPHQL_WS_VERSION=6.4.3 scripts/vendor-wall.sh   # an update, then review `git diff`
#
# The default version is the one package-lock.json pins for the tests' Node client, so the
# browser and the tests run the same client. The file is copied byte for byte from the npm
# tarball (npm checks it against the registry's integrity hash); the page's
# `integrity="sha384-…"` attribute is then rewritten to match, so the browser refuses a file
# that was changed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

locked="$(python3 -c 'import json; print(json.load(open("package-lock.json"))["packages"]["node_modules/graphql-ws"]["version"])')"
GRAPHQL_WS_VERSION="${GRAPHQL_WS_VERSION:-$locked}"
DEST=api/static/wall
PAGE="$DEST/wall.html"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" "graphql-ws@$GRAPHQL_WS_VERSION" >/dev/null
mkdir -p "$work/graphql-ws"
tar -xzf "$work/graphql-ws-$GRAPHQL_WS_VERSION.tgz" -C "$work/graphql-ws" --strip-components=1

mkdir -p "$DEST"
install -m 644 "$work/graphql-ws/umd/graphql-ws.min.js" "$DEST/graphql-ws.min.js"
install -m 644 "$work/graphql-ws/LICENSE.md" "$DEST/LICENSE.graphql-ws"

cat >"$DEST/VERSIONS" <<VERSIONS
# Written by scripts/vendor-wall.sh from the npm registry; do not edit by hand.
graphql-ws@$GRAPHQL_WS_VERSION  graphql-ws.min.js LICENSE.graphql-ws
VERSIONS

# Point the page's integrity attribute at the file just written.
python3 - "$PAGE" <<'PY'
import base64, hashlib, pathlib, re, sys

page = pathlib.Path(sys.argv[1])
html = page.read_text(encoding="utf-8")
data = (page.parent / "graphql-ws.min.js").read_bytes()
digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
pattern = r'(src="/static/wall/graphql-ws\.min\.js"\s+)integrity="[^"]*"'
html, count = re.subn(pattern, rf'\g<1>integrity="sha384-{digest}"', html)
if count != 1:
    sys.exit(f"{page}: expected 1 integrity attribute for graphql-ws.min.js, found {count}")
page.write_text(html, encoding="utf-8")
PY

echo "vendored graphql-ws@$GRAPHQL_WS_VERSION into $DEST"
