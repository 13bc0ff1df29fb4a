#!/usr/bin/env bash
# bench/patterns_cache.sh - what the Patterns page costs the server: the six
# requests the page sends (corridors, flows, wages, recruitment, trends,
# quality), three times over, against a running `tipwatch serve`, with the
# server's CPU time (user + system, from /proc/PID/stat) per pass and the
# wall time per pass. Pass 1 is after a start (cold); passes 2 and 3 are the
# page loaded again with no import in between.
#
# usage: bash bench/patterns_cache.sh path/to/tipwatch DB
# DB: a store with registers imported (bench/report.sh makes one; this
# script adds a statistician account and a token to it).
set -euo pipefail
TW=$(readlink -f "${1:?usage: patterns_cache.sh TIPWATCH DB}")
DB=$(readlink -f "${2:?usage: patterns_cache.sh TIPWATCH DB}")
DIR=$(mktemp -d /tmp/tw-bench-cache-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$DIR"' EXIT
name="bench$$"
printf 'bench-password-%s\n' "$$" |
  "$TW" user add "$name" --org MCS --role statistician --password-stdin --db "$DB" > /dev/null
tok=$("$TW" token create "$name" --label bench --db "$DB" 2> /dev/null)
"$TW" serve --db "$DB" --listen 127.0.0.1:0 --quiet > "$DIR/out" 2> "$DIR/err" &
pid=$!
for _ in $(seq 1 1200); do
  grep -q '^serve: listening on' "$DIR/out" 2> /dev/null && break
  kill -0 "$pid" 2> /dev/null || { cat "$DIR/err" >&2; exit 1; }
  sleep 0.1
done
base=$(sed -n 's/^serve: listening on //p' "$DIR/out")
[ -n "$base" ] || { echo "serve did not start" >&2; exit 1; }
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
tck=$(getconf CLK_TCK)
for pass in 1 2 3; do
  c0=$(cpu)
  t0=$(date +%s.%N)
  for q in 'patterns?table=corridors' 'patterns?table=flows' 'patterns?table=wages' \
           'patterns?table=recruitment' 'patterns?table=trends' 'quality'; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1200 \
      -H "Authorization: Bearer $tok" "$base/api/v1/stats/$q")
    [ "$code" = 200 ] || { echo "GET $q: $code" >&2; exit 1; }
  done
  t1=$(date +%s.%N)
  c1=$(cpu)
  echo "pass $pass: server CPU $(echo "scale=2; ($c1 - $c0) / $tck" | bc) s, wall $(echo "$t1 - $t0" | bc | cut -c1-6) s"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
