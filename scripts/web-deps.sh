#!/usr/bin/env bash
# Fetches the web UI's libraries from the npm registry, exactly as pinned in
# web/package-lock.json, and copies the files the pages load into web/vendor/
# (served by `tipwatch serve` with the rest of web/; nothing comes from a CDN).
# Idempotent: `npm ci` runs only when web/node_modules is missing or older
# than the lockfile; vendor files are copied only when they differ.
# Usage: scripts/web-deps.sh         (make build, test and demo call it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB=$ROOT/web
cd "$WEB"

# the lockfile may name no other registry than npm's (an empty "resolved"
# is fine: npm then fetches from its configured registry)
if grep -o '"resolved": *"[^"]*"' package-lock.json | grep -v '"https://registry\.npmjs\.org/' > /dev/null; then
  echo "web-deps: web/package-lock.json names a registry other than https://registry.npmjs.org/:" >&2
  grep -o '"resolved": *"[^"]*"' package-lock.json | grep -v '"https://registry\.npmjs\.org/' | head -5 >&2
  exit 1
fi

stamp=node_modules/.package-lock.json # written by npm at each install
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  command -v npm > /dev/null ||
    { echo "web-deps: npm is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
  echo "web-deps: npm ci in web/ (libraries pinned in package-lock.json)" >&2
  # no package of ours needs an install script, and none may download a
  # browser: the browser tests use Debian's /usr/bin/chromium
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund \
    --loglevel=error > /dev/null
  touch "$stamp"
fi

# copy SRC (under node_modules/) to vendor/DST when missing or different
mkdir -p vendor
copy() {
  local src=node_modules/$1 dst=vendor/$2
  [ -f "$src" ] || { echo "web-deps: $src is missing after npm ci" >&2; exit 1; }
  if ! cmp -s "$src" "$dst"; then
    cp "$src" "$dst.tmp"
    mv "$dst.tmp" "$dst"
  fi
}
copy chart.js/dist/chart.umd.min.js chart.umd.min.js
copy chart.js/dist/chart.umd.min.js.map chart.umd.min.js.map
copy chart.js/LICENSE.md chart.js-LICENSE.txt
copy cytoscape/dist/cytoscape.min.js cytoscape.min.js
copy cytoscape/LICENSE cytoscape-LICENSE.txt

# which versions were copied, for the curious and for bug reports
versions=$(node -e '
for (const p of ["chart.js", "cytoscape", "playwright-core"]) {
  try { console.log(p + " " + require("./node_modules/" + p + "/package.json").version); }
  catch (e) { console.log(p + " missing"); }
}')
if [ "$versions" != "$(cat vendor/VERSIONS.txt 2> /dev/null)" ]; then
  printf '%s\n' "$versions" > vendor/VERSIONS.txt
fi
