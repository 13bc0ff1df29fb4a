#!/usr/bin/env bash
# An upload through POST /api/v1/import is imported row by row, never by the
# bulk path: a permits file that `tipwatch import` (--bulk auto) loads by the
# bulk path into an empty store (32 MiB or more, many more rows than the
# store holds) is imported row by row through the API ("bulk": false), and
# both store the same rows.
. "$(dirname "$0")/lib.bash"
command -v curl > /dev/null || fail "curl is needed (scripts/install-deps.sh installs it)"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed"
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

"$TW_BIN" synth --out syn --applications 100000 --seed 23 > /dev/null
size=$(stat -c %s syn/permits.csv)
[ "$size" -ge $((32 * 1024 * 1024)) ] || fail "the file is too small for the bulk path ($size bytes)"

# the command line's auto takes the bulk path for it
"$TW_BIN" import --db cli2.db --progress none syn/permits.csv > cli2.out 2> /dev/null || true
grep -q ', bulk)$' cli2.out || fail "tipwatch import did not take the bulk path: $(cat cli2.out)"

printf 'analyst-password-1\n' |
  "$TW_BIN" user add analyst --org MCS --role analyst --password-stdin --db t.db > /dev/null ||
  fail "user add"
"$TW_BIN" token create analyst --label import --db t.db > tok 2> /dev/null || fail "token"
"$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --quiet --max-upload $((64 * 1024 * 1024)) \
  > out.serve 2> err.serve &
pid=$!
wait_listening "$pid" out.serve err.serve
base=$(sed -n 's/^serve: listening on //p' out.serve)
code=$(bounded 900 "POST /api/v1/import" curl -s -o resp -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $(cat tok)" -H 'Content-Type: text/csv' \
  --data-binary @syn/permits.csv "$base/api/v1/import?register=permits") ||
  fail "POST /api/v1/import: curl failed ($code)"
expect_eq "$code" 200 "the upload ($(head -c 300 resp))"
grep -q '"bulk": *false' resp || fail "the upload took the bulk path: $(head -c 300 resp)"
stop_server "$pid"
pid=
expect_eq "$STOP_RC" 0 "serve's exit status"

# the same rows either way
rows() { sq "$1" "SELECT count(*) || ',' || count(DISTINCT row_key) || ',' ||
                         sum(content_hash % 1000003) FROM permit"; }
expect_eq "$(rows t.db)" "$(rows cli2.db)" "rows stored through the API and by the bulk path"
echo "api_import: ok ($size bytes, $(sq t.db "SELECT count(*) FROM permit") rows, row by row)"
