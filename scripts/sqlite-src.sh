#!/usr/bin/env bash
# Fetches the SQLite amalgamation tipwatch is built with into vendor/sqlite/
# (sqlite3.c, sqlite3.h), from the npm registry: the better-sqlite3 package
# ships SQLite's unmodified amalgamation, and npm's registry is one of the two
# this project may fetch from. Pinned three ways: the package version, npm's
# sha512 of the tarball, and our sha256 of each extracted file.
#
# Why not Debian's libsqlite3: Debian 12 ships SQLite 3.40.1, which has the
# WAL-reset bug (SQLite 3.7.0 to 3.51.2, fixed in 3.51.3 and 3.53.0): a
# checkpoint that starts while another connection commits a transaction that
# restarts the WAL can skip copying pages back, and committed transactions
# are lost. tipwatch's server checkpoints from a thread of its own beside
# continuous audited commits: its hour-long soak lost 20 committed audit
# entries that way (bench/RESULTS.md, "Reliability"; docs/internals/store.md).
#
# Idempotent: does nothing when vendor/sqlite/ already holds the pinned files.
# Usage: scripts/sqlite-src.sh      (make deps calls it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$ROOT/vendor/sqlite
PKG=better-sqlite3@13.2.0
SQLITE_VERSION=3.54.1
TARBALL_SHA512=Z8Q/9x/uNyKxA1v4FNodyItRVRw1TeKBrmj32JhxhR0ceNcBY+wMobt/Bv7M7TzwPAXjnZRtNaEsATnUZSKWZQ==
C_SHA256=75a4760a7b9727a4c4c877aec92eacf39e52a8f2921ce00bd33be6d3a8e8e254
H_SHA256=d6c84557261893439b341d2e6c35187ae3ea24fbfd843ad94616f72d89242b8c

pinned() {
  [ -f "$DEST/sqlite3.c" ] && [ -f "$DEST/sqlite3.h" ] &&
    echo "$C_SHA256  $DEST/sqlite3.c" | sha256sum --quiet -c - 2> /dev/null &&
    echo "$H_SHA256  $DEST/sqlite3.h" | sha256sum --quiet -c - 2> /dev/null
}
pinned && exit 0

command -v npm > /dev/null ||
  { echo "sqlite-src: npm is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "sqlite-src: fetching SQLite $SQLITE_VERSION (the amalgamation in $PKG) from the npm registry" >&2
(cd "$tmp" && npm pack "$PKG" --ignore-scripts --registry=https://registry.npmjs.org/ \
  --loglevel=error > pack.out) ||
  { echo "sqlite-src: npm pack $PKG failed" >&2; exit 1; }
tgz=$tmp/$(tail -1 "$tmp/pack.out")
got=$(node -e 'const c=require("crypto"),f=require("fs");
  process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
if [ "$got" != "$TARBALL_SHA512" ]; then
  echo "sqlite-src: $PKG's tarball does not have the pinned sha512 (got $got)" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
echo "$C_SHA256  $tmp/package/deps/sqlite3/sqlite3.c" | sha256sum --quiet -c - ||
  { echo "sqlite-src: sqlite3.c does not have the pinned sha256" >&2; exit 1; }
echo "$H_SHA256  $tmp/package/deps/sqlite3/sqlite3.h" | sha256sum --quiet -c - ||
  { echo "sqlite-src: sqlite3.h does not have the pinned sha256" >&2; exit 1; }
grep -q "#define SQLITE_VERSION *\"$SQLITE_VERSION\"" "$tmp/package/deps/sqlite3/sqlite3.h" ||
  { echo "sqlite-src: sqlite3.h is not SQLite $SQLITE_VERSION" >&2; exit 1; }
mkdir -p "$DEST"
cp "$tmp/package/deps/sqlite3/sqlite3.c" "$DEST/sqlite3.c.tmp"
cp "$tmp/package/deps/sqlite3/sqlite3.h" "$DEST/sqlite3.h.tmp"
mv "$DEST/sqlite3.c.tmp" "$DEST/sqlite3.c"
mv "$DEST/sqlite3.h.tmp" "$DEST/sqlite3.h"
echo "SQLite $SQLITE_VERSION from $PKG (npm registry)" > "$DEST/VERSION"
echo "sqlite-src: vendor/sqlite/ holds SQLite $SQLITE_VERSION" >&2
