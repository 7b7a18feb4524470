#!/bin/sh
# `make vendor`: rebuilds kb/static/vendor/ from the npm registry.
#
# The site's maps and charts run on d3, with topojson-client and world-atlas's
# 50 m country shapes for the map. Their files are committed, so a fresh clone
# needs no npm and no network; this script only refreshes them. Versions are
# pinned exactly here (and nowhere else): change one, run `make vendor`, look
# at the pages, commit the files and the README it writes beside them.
# Install scripts never run: only the packages' published files are copied.
set -eu

D3=7.9.2
TOPOJSON_CLIENT=3.1.0
WORLD_ATLAS=2.0.2

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/kb/static/vendor"
command -v npm >/dev/null || { echo "make vendor needs npm (Node.js)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
	--prefix "$tmp" "d3@$D3" "topojson-client@$TOPOJSON_CLIENT" "world-atlas@$WORLD_ATLAS"

# package, version, licence, the file the site loads (relative to the package)
set -- \
	"d3 $D3 ISC dist/d3.min.js" \
	"topojson-client $TOPOJSON_CLIENT ISC dist/topojson-client.min.js" \
	"world-atlas $WORLD_ATLAS ISC countries-50m.json"

rm -rf "$out"
mkdir -p "$out"
{
	echo "# Vendored front-end files"
	echo
	echo "Written by \`make vendor\` (config/vendor.sh) from the npm registry; do not edit by hand."
	echo "Each folder holds the one file the site loads and the package's licence."
	echo
	echo "| Package | Version | Licence | File | SHA-256 |"
	echo "| --- | --- | --- | --- | --- |"
} >"$out/README.md"

for entry in "$@"; do
	# shellcheck disable=SC2086
	set -- $entry
	package=$1 version=$2 licence=$3 file=$4
	source="$tmp/node_modules/$package"
	installed=$(node -p "require('$source/package.json').version")
	[ "$installed" = "$version" ] || { echo "$package: got $installed, wanted $version" >&2; exit 1; }
	mkdir -p "$out/$package"
	cp "$source/$file" "$out/$package/"
	cp "$source"/LICEN[CS]E* "$out/$package/"
	name=$(basename "$file")
	sum=$(sha256sum "$out/$package/$name" | cut -d" " -f1)
	echo "| [$package](https://www.npmjs.com/package/$package/v/$version) | $version | $licence | \`$package/$name\` (from \`$file\`) | \`$sum\` |" >>"$out/README.md"
done
echo "kb/static/vendor/: d3 $D3, topojson-client $TOPOJSON_CLIENT, world-atlas $WORLD_ATLAS"
