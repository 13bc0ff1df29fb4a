#!/usr/bin/env bash
# migrations_frozen.sh - a released migration file is never edited: each one
# listed in migrations.sha256 still has its recorded digest (a schema change
# is a new file; add its line here when it is released).
set -eu
cd "${TW_SRCDIR:?}/src/store/migrations"
sha256sum --quiet -c "$TW_SRCDIR/tests/e2e/migrations.sha256" || {
  echo "FAIL: a released migration was edited; write a new migration instead"; exit 1; }
echo "migrations: frozen ok"
