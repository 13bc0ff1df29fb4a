#!/usr/bin/env bash
# How long the server's other writes wait while POST /api/v1/screen-runs
# runs. Every GET /api/v1/alerts writes its audit entry under the server's
# write lock, so its answer time is a write's wait. On one synthetic world
# (imported, not yet linked or screened: the first screening is a full link
# and a full screening), for each tipwatch binary given: `serve`, one POST
# /api/v1/screen-runs, and meanwhile a GET /api/v1/alerts?limit=1 every
# 0.2 s until the screening answers; prints the screening's seconds, how
# many reads answered during it, their median and longest wait. The peer is
# the first binary (measured in the same run on a copy of the same store).
# Usage: bench/screen_lock.sh BIN [BIN...]  (BENCH_SCREEN_APPS=30000,
# BENCH_SCREEN_SEED=31)
set -euo pipefail
apps=${BENCH_SCREEN_APPS:-30000}
seed=${BENCH_SCREEN_SEED:-31}
for t in curl sqlite3; do
  command -v "$t" > /dev/null || { echo "bench/screen_lock.sh: $t is needed" >&2; exit 1; }
done
work=$(mktemp -d /tmp/tw-screen-lock-XXXXXX)
spid=
trap '[ -n "$spid" ] && kill -TERM "$spid" 2> /dev/null; rm -rf "$work"' EXIT
bin0=$(readlink -f "$1")
cd "$work"
"$bin0" synth --out syn --applications "$apps" --seed "$seed" > /dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$bin0" import --db base.db --progress none --quiet "syn/$f.csv" > /dev/null 2>&1 || true
done
printf 'bench-password-1\n' |
  "$bin0" user add bench --org MCS --role analyst --password-stdin --db base.db > /dev/null
"$bin0" token create bench --label bench --db base.db > tok 2> /dev/null
tok=$(cat tok)
echo "world: $apps applications, seed $seed; load average $(cut -d' ' -f1-3 /proc/loadavg)"
n=0
for b in "$@"; do
  n=$((n + 1))
  cp base.db "s$n.db"
  "$b" serve --db "s$n.db" --listen 127.0.0.1:0 --quiet > "out$n" 2> "err$n" &
  spid=$!
  for _ in $(seq 1200); do grep -q '^serve: listening' "out$n" && break; sleep 0.1; done
  base=$(sed -n 's/^serve: listening on //p' "out$n")
  [ -n "$base" ] || { echo "serve did not start: $(tail -3 "err$n")" >&2; exit 1; }
  curl -s -m 3600 -o "screen$n" -w '%{time_total}\n' -X POST -H "Authorization: Bearer $tok" \
    -H 'Content-Type: application/json' -d '{}' "$base/api/v1/screen-runs" > "st$n" &
  cpid=$!
  sleep 0.5
  : > "lat$n"
  while kill -0 "$cpid" 2> /dev/null; do
    curl -s -m 3600 -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" \
      "$base/api/v1/alerts?limit=1" >> "lat$n"
    sleep 0.2
  done
  wait "$cpid" || true
  kill -TERM "$spid"
  wait "$spid" 2> /dev/null || true
  spid=
  sort -n "lat$n" > "lats$n"
  printf '%s: screen-run %.2f s (%s); reads answered during it %d, median wait %.3f s, longest %.3f s\n' \
    "$b" "$(cat "st$n")" "$(grep -o '"raised":[0-9]*' "screen$n")" "$(wc -l < "lats$n")" \
    "$(awk '{a[NR]=$1} END {print NR ? a[int((NR+1)/2)] : 0}' "lats$n")" \
    "$(tail -1 "lats$n" 2> /dev/null || echo 0)"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
