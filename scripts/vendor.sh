#!/bin/sh
# vendor.sh copies the front-end libraries that rathaus serves from
# internal/web/ui/static/vendor/ out of node_modules. The copies are
# committed, so `go build` needs no npm; run this script only to update a
# library (change its version in package.json, then run it and commit).
set -eu
cd "$(dirname "$0")/.."

if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund
else
	npm install --no-audit --no-fund
fi

dest=internal/web/ui/static/vendor/leaflet
rm -rf "$dest"
mkdir -p "$dest/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$dest/"
cp node_modules/leaflet/dist/images/* "$dest/images/"
cp node_modules/leaflet/LICENSE "$dest/LICENSE"
version=$(node -p "require('./node_modules/leaflet/package.json').version")
cat > "$dest/README.md" <<NOTE
Leaflet $version (https://leafletjs.com), copied from the npm package by
scripts/vendor.sh. Licence: BSD 2-Clause, see LICENSE in this folder.
NOTE
echo "vendored leaflet $version into $dest"

# uPlot draws the time series of the quality dashboard (static/quality.js).
# The IIFE build defines window.uPlot, so no module loader is needed.
dest=internal/web/ui/static/vendor/uplot
rm -rf "$dest"
mkdir -p "$dest"
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css "$dest/"
cp node_modules/uplot/LICENSE "$dest/LICENSE"
version=$(node -p "require('./node_modules/uplot/package.json').version")
cat > "$dest/README.md" <<NOTE
uPlot $version (https://github.com/leeoniya/uPlot), copied from the npm package
by scripts/vendor.sh. Licence: MIT, see LICENSE in this folder.
NOTE
echo "vendored uplot $version into $dest"
