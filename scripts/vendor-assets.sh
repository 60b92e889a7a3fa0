#!/usr/bin/env bash
# Re-create frontend/static/vendor/ from the npm registry, and regenerate the country
# outlines shipped with the map (src/opcoord/maps/countries.geojson).
#
# Why: opcoord runs on isolated law-enforcement networks, so the browser may load
# nothing from a CDN. folium's HTML and Litestar's Swagger page normally do; we serve
# these copies instead (see src/opcoord/maps/builder.py and frontend/static/vendor/README.md).
#
# Usage:  scripts/vendor-assets.sh            (from the repository root; needs node + npm)
# To upgrade a package, change its version below, run the script, run the map tests
# (tests/maps/test_mapbuilder.py) and update the table in frontend/static/vendor/README.md.
set -euo pipefail

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
HEAT=0.2.0
SWAGGER=5.35.0
WORLD_ATLAS=2.0.2   # Natural Earth outlines as TopoJSON; build input only, not served
AXE=4.14.1          # axe-core, for the accessibility tests only (tests/vendor/), not served

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/frontend/static/vendor"
python="${PYTHON:-$root/.venv/bin/python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --ignore-scripts: swagger-ui-dist depends on @scarf/scarf, whose install script
# reports the download to a third party; we only need the files in the tarballs.
npm install --prefix "$tmp" --no-audit --no-fund --ignore-scripts --no-save \
    "leaflet@$LEAFLET" "leaflet.markercluster@$MARKERCLUSTER" "leaflet.heat@$HEAT" \
    "swagger-ui-dist@$SWAGGER" "world-atlas@$WORLD_ATLAS" "axe-core@$AXE"
nm="$tmp/node_modules"

rm -rf "$vendor/leaflet" "$vendor/leaflet.markercluster" "$vendor/leaflet.heat" \
    "$vendor/swagger-ui-dist"
mkdir -p "$vendor/leaflet/images" "$vendor/leaflet.markercluster" "$vendor/leaflet.heat" \
    "$vendor/swagger-ui-dist"

cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/LICENSE" \
    "$vendor/leaflet/"
cp "$nm/leaflet/dist/images/"*.png "$vendor/leaflet/images/"

cp "$nm/leaflet.markercluster/dist/leaflet.markercluster.js" \
    "$nm/leaflet.markercluster/dist/MarkerCluster.css" \
    "$nm/leaflet.markercluster/dist/MarkerCluster.Default.css" "$vendor/leaflet.markercluster/"
cp "$nm/leaflet.markercluster/MIT-LICENCE.txt" "$vendor/leaflet.markercluster/LICENSE"

cp "$nm/leaflet.heat/dist/leaflet-heat.js" "$nm/leaflet.heat/LICENSE" "$vendor/leaflet.heat/"

cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" \
    "$nm/swagger-ui-dist/swagger-ui-standalone-preset.js" \
    "$nm/swagger-ui-dist/swagger-ui.css" \
    "$nm/swagger-ui-dist/LICENSE" "$nm/swagger-ui-dist/NOTICE" "$vendor/swagger-ui-dist/"

# Source maps are not shipped: drop the comments so browsers do not ask for them.
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor"/*/*.js
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$vendor"/*/*.css

# The accessibility tests' checker (tests/test_accessibility_browser.py), never served.
mkdir -p "$root/tests/vendor/axe-core"
cp "$nm/axe-core/axe.min.js" "$nm/axe-core/LICENSE" "$root/tests/vendor/axe-core/"
sed -i '/^\/\/# sourceMappingURL=/d' "$root/tests/vendor/axe-core/axe.min.js"

# Country outlines: Natural Earth 1:50m, simplified and keyed by ISO alpha-2.
"$python" -m opcoord.maps.outlines "$nm/world-atlas/countries-50m.json" \
    "$nm/world-atlas/LICENSE"

echo "vendored into $vendor; now check the versions in $vendor/README.md"
