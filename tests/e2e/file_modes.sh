#!/usr/bin/env bash
# Files with personal data are created 0600 under the usual umask 022: the
# store, its -wal and -shm files (while a server holds it open), every
# FILE.rejects.csv, an alert export, the hits file of a screening and the
# key file. A rejects file that existed with a wider mode is narrowed.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
umask 022
mode() { stat -c %a "$1"; }

printf 'inspection_id,employer_tin,inspected_on\nI1,01234567,2023-06-01\nI2,123,2023-06-01\n' > i.csv
touch i.csv.rejects.csv && chmod 644 i.csv.rejects.csv
"$TW_BIN" import --db t.db --progress none i.csv > out
expect_eq "$(mode t.db)" 600 "the store"
expect_eq "$(mode i.csv.rejects.csv)" 600 "the rejects file (existed as 0644)"
"$TW_BIN" screen --db t.db --hits hits.csv > /dev/null
expect_eq "$(mode hits.csv)" 600 "the hits file"
"$TW_BIN" alerts export --db t.db --out alerts.csv
expect_eq "$(mode alerts.csv)" 600 "the alert export"
"$TW_BIN" keys init --db t.db > /dev/null
expect_eq "$(mode t.db.key)" 600 "the key file"

# -wal and -shm exist while a connection is open: a server holds one
"$TW_BIN" serve --db t.db --listen 127.0.0.1:0 > serve.out 2> serve.err &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_listening "$pid" serve.out serve.err
[ -e t.db-wal ] || fail "no t.db-wal while the server runs"
expect_eq "$(mode t.db-wal)" 600 "the WAL file"
expect_eq "$(mode t.db-shm)" 600 "the shared-memory file"
stop_server "$pid"
echo "file modes: ok"
