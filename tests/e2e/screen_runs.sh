#!/usr/bin/env bash
# POST /api/v1/screen-runs links with the [link] section of the server's
# --config file (as `tipwatch link --config` does): on two copies of one
# store, a server whose config has no [link] caps no block in the link run
# its screening starts, one whose config says block_cap = 2 caps blocks.
# Two worlds (seeds, sizes).
. "$(dirname "$0")/lib.bash"
SRC=${TW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v curl > /dev/null || fail "curl is needed (scripts/install-deps.sh installs it)"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed"
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

# serve DB CONF: starts the server on DB with --config CONF; sets base
serve() {
  # the previous server's lines must be gone before this one starts: the
  # redirection below truncates in the background, after wait_listening
  # may already have read the old port
  rm -f out.serve err.serve
  "$TW_BIN" serve --db "$1" --listen 127.0.0.1:0 --quiet --config "$2" > out.serve 2> err.serve &
  pid=$!
  wait_listening "$pid" out.serve err.serve
  base=$(sed -n 's/^serve: listening on //p' out.serve)
}
# screen_run: POST /api/v1/screen-runs as the analyst; the status in $code
screen_run() {
  code=$(bounded 600 "POST /api/v1/screen-runs" curl -s -o resp -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $(cat tok)" -H 'Content-Type: application/json' -d '{}' \
    "$base/api/v1/screen-runs") || fail "POST /api/v1/screen-runs: curl failed ($code)"
}

run_world() { # APPS SEED
  local apps=$1 seed=$2
  rm -rf syn t.db* plain.db* tok
  "$TW_BIN" synth --out syn --applications "$apps" --seed "$seed" > /dev/null
  for f in permits border_crossings; do
    "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null 2>&1 || true
  done
  printf 'analyst-password-1\n' |
    "$TW_BIN" user add analyst --org MCS --role analyst --password-stdin --db t.db > /dev/null ||
    fail "user add"
  "$TW_BIN" token create analyst --label screen --db t.db > tok 2> /dev/null || fail "token"

  cp t.db plain.db

  # no [link] in the server's config: the defaults (block_cap 500)
  cp "$SRC/docs/tipwatch.conf" plain.conf
  serve plain.db plain.conf
  screen_run
  expect_eq "$code" 200 "a screening without [link] ($(cat resp))"
  expect_eq "$(sq plain.db "SELECT count(*) || ',' || blocks_capped FROM link_run")" "1,0" \
    "the link run without [link]: one run, no block capped"
  stop_server "$pid"
  pid=

  # block_cap = 2: the link step of the screening caps blocks
  { cat "$SRC/docs/tipwatch.conf"; printf '\n[link]\nblock_cap = 2\n'; } > cap.conf
  serve t.db cap.conf
  screen_run
  expect_eq "$code" 200 "a screening under [link] block_cap = 2 ($(cat resp))"
  expect_eq "$(sq t.db "SELECT count(*) FROM link_run")" 1 "link runs"
  [ "$(sq t.db "SELECT blocks_capped FROM link_run")" -gt 0 ] ||
    fail "the server's [link] block_cap was not used: no block capped"
  stop_server "$pid"
  pid=
  expect_eq "$STOP_RC" 0 "serve's exit status"
  echo "screen_runs: world $apps/$seed ok ($(sq t.db "SELECT blocks_capped FROM link_run") blocks capped)"
}

run_world 600 3
run_world 1500 17
