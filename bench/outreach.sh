#!/usr/bin/env bash
# Outreach benchmark: `tipwatch outreach plan` and `outreach send --sink
# dir:` over a synthetic register of N applications (BENCH_OUTREACH_APPS,
# default 1000000), against the peer: the same event selection as SQL
# (bench/sql/outreach_events.sql) run by the sqlite3 CLI on the store
# itself, in the same run. The two must select exactly the same
# (application, event) pairs, or the bench fails. The plan is run at two
# dates and for two seeds so the figures are not those of one world.
# Rewrites its own section of bench/RESULTS.md.
# Usage: bench/outreach.sh path/to/tipwatch
set -euo pipefail
bin=$(readlink -f "$1")
apps=${BENCH_OUTREACH_APPS:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/tw-bench-outreach-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

measure() { # cmd... -> "wall_s rss_kb cpu_s"; its stdout in out.txt
  /usr/bin/time -f '%e %M %U %S' -o time.out "$@" >out.txt 2>err.out || { cat err.out >&2; exit 1; }
  awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' time.out
}
rows=()
for seed in ${BENCH_OUTREACH_SEEDS:-1 2}; do
  echo "bench outreach: seed $seed, synthesising and importing $apps applications" >&2
  rm -rf reg tw.db*
  "$bin" synth --out reg --applications "$apps" --seed "$seed" >/dev/null
  "$bin" import --db tw.db --progress none --quiet reg/permits.csv reg/border_crossings.csv \
    reg/reports.csv >/dev/null 2>&1 || true
  loaded=$(sqlite3 tw.db "SELECT count(*) FROM permit_current")
  for asof in ${BENCH_OUTREACH_DATES:-2025-12-31 2024-06-30}; do
    cp tw.db run.db
    echo "bench outreach: plan --asof $asof" >&2
    read -r plan_s plan_rss plan_cpu < <(measure "$bin" outreach plan --db run.db --asof "$asof")
    planned=$(sqlite3 run.db "SELECT count(*) FROM outreach_message")
    read -r again_s _ again_cpu < <(measure "$bin" outreach plan --db run.db --asof "$asof")
    grep -q "^outreach plan: 0 new messages" out.txt || { echo "second plan added messages" >&2; exit 1; }
    queued=$(sqlite3 run.db "SELECT count(*) FROM outreach_message WHERE state='queued'")
    echo "bench outreach: send --sink dir:" >&2
    read -r send_s send_rss send_cpu < <(measure "$bin" outreach send --db run.db --sink dir:out)
    out_mib=$(du -sm out | cut -f1)
    sent=$(sqlite3 run.db "SELECT count(*) FROM outreach_message WHERE state='sent'")
    files=$(find out -name 'msg-*.json' | wc -l)
    [ "$sent" = "$queued" ] && [ "$files" = "$sent" ] ||
      { echo "send: $queued queued, $sent sent, $files files" >&2; exit 1; }
    rm -rf out
    echo "bench outreach: peer (SQL on SQLite)" >&2
    sed "s/2000-01-01/$asof/" "$here/sql/outreach_events.sql" > q.sql
    read -r peer_s peer_rss peer_cpu < <(measure sqlite3 -batch run.db ".read q.sql")
    sort out.txt > peer.txt
    sqlite3 run.db "SELECT application_id || '|' || event FROM outreach_message" | sort > tw.txt
    if ! cmp -s peer.txt tw.txt; then
      echo "the peer and tipwatch select different events:" >&2
      diff peer.txt tw.txt | head >&2
      exit 1
    fi
    per_event=$(sqlite3 run.db "SELECT group_concat(event || ' ' || n, ', ') FROM
      (SELECT event, count(*) n FROM outreach_message GROUP BY event ORDER BY n DESC)")
    channels=$(sqlite3 run.db "SELECT group_concat(channel || ' ' || n, ', ') FROM
      (SELECT channel, count(*) n FROM outreach_message GROUP BY channel ORDER BY n DESC)")
    ratio=$(awk -v a="$plan_cpu" -v b="$peer_cpu" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
    rows+=("| $seed | $asof | $loaded | $planned | $plan_s / $plan_cpu | $((plan_rss / 1024)) | $again_s / $again_cpu | $sent ($out_mib MiB) | $send_s / $send_cpu | $((send_rss / 1024)) | $peer_s / $peer_cpu | $ratio x |")
    notes+=("seed $seed, $asof: $per_event; channels: $channels")
  done
done

section=$(cat <<MD
<!-- bench/outreach.sh begin -->
## Outreach: plan and send

Written by \`bench/outreach.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores,
$(free -g | awk '/Mem:/ {print $2}') GiB). Each row: \`tipwatch synth
--applications $apps --seed S\`, its permits, border crossings and reports
imported; \`tipwatch outreach plan --asof DATE\` (every event due on that
date, all of history: the worst case of a first run), the same plan again
(idempotent: adds nothing), then \`outreach send --sink dir:out\` (one JSON
file per SMS and e-mail message, synced once per batch of 20,000 before the
outbox marks them sent). The peer is the same event selection in SQL
(\`bench/sql/outreach_events.sql\`) run by the sqlite3 CLI on the same
store; its output and tipwatch's outbox hold exactly the same
(application, event) pairs in every row (checked). The peer only selects;
tipwatch's plan also picks the channel, renders and inserts each message.
Times are wall / CPU (user + system) seconds: the machine and its disk are
shared, so the wall time of the send, which writes and syncs every file,
is the disk's. "vs peer" is peer CPU / plan CPU.

| seed | as of | applications | messages planned | plan s | plan RSS MiB | plan again s | sent (dir) | send s | send RSS MiB | peer s | vs peer |
|---|---|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

Messages per event and channel:
$(printf -- '- %s\n' "${notes[@]}")
<!-- bench/outreach.sh end -->
MD
)
res="$here/RESULTS.md"
touch "$res"
awk '/<!-- bench\/outreach.sh begin -->/ {skip = 1} !skip {print} /<!-- bench\/outreach.sh end -->/ {skip = 0}' \
  "$res" > "$res.new"
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$res.new"
{ cat "$res.new"; echo; printf '%s\n' "$section"; } > "$res"
rm -f "$res.new"
printf '%s\n' "$section"
