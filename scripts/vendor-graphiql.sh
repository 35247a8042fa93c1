#!/usr/bin/env bash
# Vendor GraphiQL's browser assets into api/static/graphiql/, so that the page at GET /graphql
# works on a network without internet access. Needs npm and a registry; the result is committed,
# and `make run` needs neither.
#
#   scripts/vendor-graphiql.sh            # re-create the committed files (a no-op diff)
#   GRAPHIQL_VERSION=3.8.4 scripts/vendor-graphiql.sh   # an update, then review `git diff`
#
# The files are copied byte for byte from the npm tarballs (npm checks each tarball against the
# registry's integrity hash). The page's `integrity="sha384-…"` attributes are then rewritten
# to match, so the browser refuses a file that was changed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL_VERSION="${GRAPHIQL_VERSION:-3.8.3}"
REACT_VERSION="${REACT_VERSION:-18.2.0}"
DEST=api/static/graphiql
PAGE="$DEST/graphiql.html"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" \
  "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null

unpack() {  # unpack <tarball> <dir>
  mkdir -p "$work/$2"
  tar -xzf "$work/$1" -C "$work/$2" --strip-components=1
}
unpack "graphiql-$GRAPHIQL_VERSION.tgz" graphiql
unpack "react-$REACT_VERSION.tgz" react
unpack "react-dom-$REACT_VERSION.tgz" react-dom

mkdir -p "$DEST"
install -m 644 "$work/graphiql/graphiql.min.js" "$DEST/graphiql.min.js"
install -m 644 "$work/graphiql/graphiql.min.css" "$DEST/graphiql.min.css"
install -m 644 "$work/graphiql/LICENSE" "$DEST/LICENSE.graphiql"
install -m 644 "$work/react/umd/react.production.min.js" "$DEST/react.production.min.js"
install -m 644 "$work/react/LICENSE" "$DEST/LICENSE.react"
install -m 644 "$work/react-dom/umd/react-dom.production.min.js" \
  "$DEST/react-dom.production.min.js"
install -m 644 "$work/react-dom/LICENSE" "$DEST/LICENSE.react-dom"

cat >"$DEST/VERSIONS" <<EOF
# Written by scripts/vendor-graphiql.sh from the npm registry; do not edit by hand.
graphiql@$GRAPHIQL_VERSION  graphiql.min.js graphiql.min.css LICENSE.graphiql
react@$REACT_VERSION  react.production.min.js LICENSE.react
react-dom@$REACT_VERSION  react-dom.production.min.js LICENSE.react-dom
EOF

# Point the page's integrity attributes at the files just written.
python3 - "$PAGE" <<'EOF'
import base64, hashlib, pathlib, re, sys

page = pathlib.Path(sys.argv[1])
html = page.read_text(encoding="utf-8")

def with_hash(match: re.Match[str]) -> str:
    data = (page.parent / match["file"]).read_bytes()
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    return f'{match["before"]}integrity="sha384-{digest}"'

pattern = r'(?P<before>(?:src|href)="static/graphiql/(?P<file>[^"]+)"\s+)integrity="[^"]*"'
html, count = re.subn(pattern, with_hash, html)
if count != 4:
    sys.exit(f"{page}: expected 4 integrity attributes, found {count}")
page.write_text(html, encoding="utf-8")
EOF

echo "vendored graphiql@$GRAPHIQL_VERSION, react@$REACT_VERSION, react-dom@$REACT_VERSION into $DEST"
