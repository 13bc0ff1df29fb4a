#!/usr/bin/env bash
# Import benchmark: `tipwatch import` of N synthetic permit applications
# (validation, normalisation, entities, versions, rejects) against the peer
# `sqlite3 .import` of the same file into a plain table (no validation), in
# the same run, on the same disk. Screening benchmark: `tipwatch screen`
# against the same indicators as SQL (bench/sql/, run by bench/peers.sh) on
# SQLite (the store itself) and on a private PostgreSQL 15 cluster loaded
# with the store's tables; every indicator must flag exactly the same
# entities on all three (a mismatch fails the bench). Writes
# bench/RESULTS.md.
# Usage: bench/run.sh path/to/tipwatch   (BENCH_APPS=1000000 by default;
# BENCH_PG=0 leaves PostgreSQL out)
set -euo pipefail
bin=$(readlink -f "$1")
apps=${BENCH_APPS:-1000000}
with_pg=${BENCH_PG:-1}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/tw-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

measure() { # cmd... -> prints "seconds rss_kb cpu_seconds load" (cpu: user+sys;
  # load: the 1-minute load average as the command started)
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %M %U %S' -o time.out "$@" >/dev/null 2>err.out || { cat err.out >&2; exit 1; }
  awk -v l="$load" '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, l }' time.out
}

echo "bench: synthesising $apps applications"
read -r synth_s synth_rss _ < <(measure "$bin" synth --out reg --applications "$apps" --seed 1)
rows=$(($(wc -l < reg/permits.csv) - 1))
bytes=$(stat -c %s reg/permits.csv)

echo "bench: tipwatch import (bulk path: auto takes it for this file into an empty store)"
read -r tw_s tw_rss tw_cpu tw_load < <(measure "$bin" import --db tw.db --progress none --quiet reg/permits.csv)
loaded=$(sqlite3 tw.db "SELECT count(*) FROM permit")
rejected=$(sqlite3 tw.db "SELECT count(DISTINCT line) FROM reject WHERE severity='error'")

echo "bench: tipwatch import again (all rows unchanged)"
read -r tw2_s tw2_rss tw2_cpu tw2_load < <(measure "$bin" import --db tw.db --progress none --quiet reg/permits.csv)
echo "bench: tipwatch import --bulk off (row by row, a commit every 20,000 rows)"
read -r rbr_s rbr_rss rbr_cpu rbr_load < <(measure "$bin" import --db rbr.db --bulk off --progress none \
  --quiet reg/permits.csv)
rm -f rbr.db rbr.db-wal rbr.db-shm

echo "bench: importing the other registers for screening"
"$bin" import --db tw.db --progress none --quiet reg/border_crossings.csv reg/inspections.csv \
  reg/reports.csv reg/outcomes.csv
crossings=$(sqlite3 tw.db "SELECT count(*) FROM border_crossing")
echo "bench: tipwatch screen (every indicator hit to hits.csv)"
scr_loadavg=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/time -f '%e %M %U %S' -o time.out "$bin" screen --db tw.db --hits hits.csv >screen.out \
  2>err.out || { cat err.out >&2; exit 1; }
read -r scr_s scr_rss scr_user scr_sys <time.out
scr_cpu=$(awk -v u="$scr_user" -v s="$scr_sys" 'BEGIN { printf "%.2f", u + s }')
scr_phases=$(sed -n 's/^screen: \(load .*\)/\1/p' screen.out)
scr_cpu_phases=$(sed -n 's/^screen: cpu \(load .*\)/\1/p' screen.out)
scr_alerts=$(sqlite3 tw.db "SELECT count(*) FROM alert")
read -r eng_load eng_ind < <(sed -n 's/^screen: load \([0-9.]*\) s, indicators \([0-9.]*\) s.*/\1 \2/p' screen.out)
eng_s=$(awk -v a="$eng_load" -v b="$eng_ind" 'BEGIN { printf "%.2f", a + b }')
eng_hits=$(($(wc -l < hits.csv) - 1))
perm_versions=$(sqlite3 tw.db "SELECT count(*) FROM permit")
tw_bytes=$(stat -c %s tw.db)
read -r idx_mib idx_bpa < <(sed -n 's/^screen: index \([0-9.]*\) MiB, \([0-9]*\) bytes per application/\1 \2/p' screen.out)

echo "bench: tipwatch screen again (a rescreen: the alerts are there)"
rescr_loadavg=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/time -f '%e %M %U %S' -o time.out "$bin" screen --db tw.db >rescreen.out \
  2>err.out || { cat err.out >&2; exit 1; }
read -r rescr_s rescr_rss rescr_user rescr_sys <time.out
rescr_cpu=$(awk -v u="$rescr_user" -v s="$rescr_sys" 'BEGIN { printf "%.2f", u + s }')
rescr_phases=$(sed -n 's/^screen: \(load .*\)/\1/p' rescreen.out)
rescr_cpu_phases=$(sed -n 's/^screen: cpu \(load .*\)/\1/p' rescreen.out)

echo "bench: live scoring of single applications (tipwatch score --sample)"
live_n=${BENCH_LIVE:-10000}
"$bin" score --db tw.db --sample "$live_n" >live.out 2>err.out || { cat err.out >&2; exit 1; }
read -r l50 l90 l99 lmax < <(sed -n 's/^score: latency p50 \([0-9]*\) us, p90 \([0-9]*\) us, p99 \([0-9]*\) us, max \([0-9]*\) us/\1 \2 \3 \4/p' live.out)
read -r c50 c90 c99 cmax < <(sed -n 's/^score: cpu time p50 \([0-9]*\) us, p90 \([0-9]*\) us, p99 \([0-9]*\) us, max \([0-9]*\) us/\1 \2 \3 \4/p' live.out)
live_hood=$(sed -n 's/^score: neighbourhood up to \([0-9]*\) applications/\1/p' live.out)
live_largest=$(sed -n 's/^score: \(largest employers .*\)/\1/p' live.out)
live_agree=$(grep 'level as in a full screening' live.out | sed 's/^score: //')

# ---- the large register (BENCH_BIG_APPS, e.g. 10000000; 0 leaves it out) ----
big_apps=${BENCH_BIG_APPS:-0}
if [ "$big_apps" -gt 0 ]; then
  echo "bench: large register: $big_apps applications (synth, import, screen)"
  read -r big_synth_s _ < <(measure "$bin" synth --out big --applications "$big_apps" --seed 1)
  read -r big_imp_s big_imp_rss big_imp_cpu big_imp_load < <(measure "$bin" import --db big.db --progress none --quiet \
    big/permits.csv big/border_crossings.csv big/inspections.csv big/reports.csv)
  big_rows=$(sqlite3 big.db "SELECT (SELECT count(*) FROM permit)+(SELECT count(*) FROM border_crossing)+(SELECT count(*) FROM inspection)+(SELECT count(*) FROM report)")
  big_emp=$(sqlite3 big.db "SELECT count(*) FROM employer")
  /usr/bin/time -f '%e %M' -o time.out "$bin" screen --db big.db >big1.out 2>err.out ||
    { cat err.out >&2; exit 1; }
  /usr/bin/time -f '%e %M' -o time.out "$bin" screen --db big.db >big.out 2>err.out ||
    { cat err.out >&2; exit 1; }
  read -r big_s big_rss <time.out
  big_phases=$(sed -n 's/^screen: \(load .*\)/\1/p' big.out)
  big_bpa=$(sed -n 's/^screen: index .* MiB, \([0-9]*\) bytes per application/\1/p' big.out)
  rm -rf big big.db*
fi

echo "bench: SQL peers on SQLite (agreement with the engine, timings)"
bash "$here/peers.sh" sqlite tw.db hits.csv peer-sqlite
sq_q=$(. peer-sqlite/totals.sh; echo "$queries_s"); sq_qrss=$(. peer-sqlite/totals.sh; echo "$rss_kb")
n_inds=$(. peer-sqlite/totals.sh; echo "$indicators")
if [ "$with_pg" = 1 ]; then
  echo "bench: SQL peers on PostgreSQL 15 (load, agreement, timings)"
  bash "$here/peers.sh" pg tw.db hits.csv peer-pg
  pg_q=$(. peer-pg/totals.sh; echo "$queries_s"); pg_qrss=$(. peer-pg/totals.sh; echo "$rss_kb")
  pg_load=$(. peer-pg/totals.sh; echo "$load_s")
  pg_ver=$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')
fi

echo "bench: sqlite3 .import"
read -r sq_s sq_rss sq_cpu sq_load < <(measure sqlite3 peer.db -cmd "PRAGMA journal_mode=WAL" \
  -cmd "PRAGMA synchronous=NORMAL" ".import --csv reg/permits.csv permit_plain")
peer_rows=$(sqlite3 peer.db "SELECT count(*) FROM permit_plain")

rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
tw_rate=$(rate "$rows" "$tw_s"); tw2_rate=$(rate "$rows" "$tw2_s"); sq_rate=$(rate "$rows" "$sq_s")
rbr_rate=$(rate "$rows" "$rbr_s")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(free -g | awk '/Mem:/ {print $2 " GiB"}')

cat > "$here/RESULTS.md" <<MD
# Benchmark results

Written by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d); every figure
below comes from one run on this machine: $(nproc) cores ($cpu), $mem,
$(sqlite3 --version | cut -d' ' -f1) (peer), tipwatch $("$bin" --version | cut -d' ' -f2).

## Import of the permit register

Input: \`tipwatch synth --applications $apps --seed 1\`, permits.csv,
$rows rows, $((bytes / 1048576)) MiB, 35 columns. Synthesis took ${synth_s} s.

| run | wall s (load) | CPU s | rows/s | rows per CPU s | peak RSS MiB | vs peer |
|---|---|---|---|---|---|---|
| tipwatch import, bulk path (validate, normalise, entities, versions, rejects) | $tw_s ($tw_load) | $tw_cpu | $tw_rate | $(rate "$rows" "$tw_cpu") | $((tw_rss / 1024)) | $(ratio "$tw_rate" "$sq_rate") x |
| tipwatch import --bulk off (row by row) | $rbr_s ($rbr_load) | $rbr_cpu | $rbr_rate | $(rate "$rows" "$rbr_cpu") | $((rbr_rss / 1024)) | $(ratio "$rbr_rate" "$sq_rate") x |
| tipwatch import of the same file again (all unchanged) | $tw2_s ($tw2_load) | $tw2_cpu | $tw2_rate | $(rate "$rows" "$tw2_cpu") | $((tw2_rss / 1024)) | $(ratio "$tw2_rate" "$sq_rate") x |
| peer: sqlite3 \`.import --csv\` into a plain table (no checks) | $sq_s ($sq_load) | $sq_cpu | $sq_rate | $(rate "$rows" "$sq_cpu") | $((sq_rss / 1024)) | 1.00 x |

tipwatch loaded $loaded rows and rejected $rejected (synth's deliberately bad
rows); the peer loaded $peer_rows rows as untyped text. Target: at least
300,000 rows/s with validation and normalisation.

### Where the import's time goes

Profiled with perf and callgrind on 300k rows (2026-11-23). The reader
thread (CSV, validation, normalisation with ICU's cache) keeps up with
more than 200,000 rows/s on its own: the second row of the table, which
reads, validates, normalises and digests every row but writes nothing, is
that figure. The writer thread, the only one that may touch SQLite, is the
bottleneck at about 35 us per row: the 55-column permit insert with its
unique (row_key, version) index and six foreign-key checks (about 18 us),
and the new worker, address and phone entities each row brings with their
unique key indexes (about 13 us). A larger page cache (512 MiB), bigger
transactions and a later WAL checkpoint each moved it by 10% or less.
Since issue 20 a first load takes the bulk path (one transaction, the link
indexes built after the rows, entities in key order, a rollback journal;
docs/internals/import.md), the first row above; the second is the same
file row by row. The 300,000 rows/s target is still not met: the writer
spends more than 3.3 us a row inside SQLite (bench/RESULTS.md as edited on
2026-12-07 has the profile).

MD

# ---- screening against the SQL peers ---------------------------------------
x() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "not met") }'; }
{
  cat <<MD

## Screening against the same indicators in SQL

Input: the store above ($loaded applications, $crossings border crossings,
the inspections and reports of the same synth run; $perm_versions permit
rows stored, $((tw_bytes / 1048576)) MiB). \`tipwatch screen --hits\` wrote
$eng_hits indicator hits and raised $scr_alerts alerts. The peers are the
$n_inds indicators of \`bench/sql/\` (one SELECT each, thresholds of the
default config; bench/sql/README.md), run by \`bench/peers.sh\`: on SQLite
with the \`sqlite3\` CLI against the store itself (its indexes and
\`*_current\` views, the store's 64 MiB page cache), one process per
query; on PostgreSQL in one session against a private cluster
(shared_buffers 2 GB, work_mem 256 MB, default parallelism and JIT) holding
the same tables, all versions, typed (dates, timestamps), with primary
keys, unique (row_key, version) and unique entity keys, VACUUM ANALYZEd.
Query times are wall clock, output included; the engine's are its own
phase timings (\`screen: load .. s, indicators .. s\`).

| run | wall s | peak RSS MiB | engine (load + indicators) faster by |
|---|---|---|---|
| tipwatch: load indexes from the store + all 23 indicators | $eng_s ($eng_load + $eng_ind) | $((scr_rss / 1024)) (whole screen) | 1.0 x |
| tipwatch screen, whole (+ scores, alerts written; CPU $scr_cpu s, load average $scr_loadavg) | $scr_s | $((scr_rss / 1024)) | - |
| SQLite $(sqlite3 --version | cut -d' ' -f1): $n_inds queries over the store | $sq_q | $((sq_qrss / 1024)) (largest query) | $(x "$sq_q" "$eng_s") x |
MD
  if [ "$with_pg" = 1 ]; then
    cat <<MD
| PostgreSQL $pg_ver: $n_inds queries | $pg_q | $((pg_qrss / 1024)) (backend) | $(x "$pg_q" "$eng_s") x |
| PostgreSQL $pg_ver: load (COPY from the store, indexes, VACUUM ANALYZE) | $pg_load | - | - |
MD
  fi
  echo
  echo "Targets: >= 20 x SQLite: $(met "$(x "$sq_q" "$eng_s")" 20) ($(x "$sq_q" "$eng_s") x)."
  if [ "$with_pg" = 1 ]; then
    echo ">= 5 x PostgreSQL 15: $(met "$(x "$pg_q" "$eng_s")" 5) ($(x "$pg_q" "$eng_s") x)."
    echo "Against the whole screen: $(x "$sq_q" "$scr_s") x SQLite, $(x "$pg_q" "$scr_s") x PostgreSQL."
  else
    echo "Against the whole screen: $(x "$sq_q" "$scr_s") x SQLite. (PostgreSQL left out: BENCH_PG=0.)"
  fi
  cat <<MD

The first screen's phases: $scr_phases (wall clock; load average
$scr_loadavg on this 2-core machine when it started); CPU time (all
threads): $scr_cpu_phases.

The engine uses both cores: permits load on one connection while the other
registers load on a second one (scans bounded by the row ids of one
snapshot; the store is append-only, and the scans read through SQLite's
page cache, not the file mapping), the 23 indicators run on two threads,
and so does the rendering of the alerts' evidence. Its index held $idx_mib MiB, $idx_bpa bytes per application
(records, postings and keys).

### Rescreening, live scoring and the large register

| figure | target | measured | |
|---|---|---|---|
| first full screening from the store, $loaded applications | <= 2 s, <= 1 GB | $scr_s s wall (CPU $scr_cpu s, load average $scr_loadavg), $((scr_rss / 1024)) MiB | $(awk -v s="$scr_s" -v r="$scr_rss" 'BEGIN { print (s <= 2 && r <= 1048576 ? "met" : "not met") }') |
| full rescreen of $loaded applications (alerts already there) | <= 10 s, <= 2 GB | $rescr_s s (CPU $rescr_cpu s, load average $rescr_loadavg), $((rescr_rss / 1024)) MiB | $(awk -v s="$rescr_s" -v r="$rescr_rss" 'BEGIN { print (s <= 10 && r <= 2097152 ? "met" : "not met") }') |
| scoring one application in process, index warm (p99 of $live_n) | <= 200 us | wall $l99 us, CPU $c99 us | $(awk -v c="$c99" 'BEGIN { print (c <= 200 ? "met" : "not met") }') |
MD
  if [ "$big_apps" -gt 0 ]; then
    cat <<MD
| full rescreen of $big_apps applications, $big_emp employers | <= 2 min, <= 8 GB | $big_s s, $((big_rss / 1024)) MiB | $(awk -v s="$big_s" -v r="$big_rss" 'BEGIN { print (s <= 120 && r <= 8388608 ? "met" : "not met") }') |
MD
  else
    echo "| full rescreen of 10M applications, 1M employers | <= 2 min, <= 8 GB | not run (BENCH_BIG_APPS=0) | - |"
  fi
  cat <<MD
| import | >= 300k rows/s | $tw_rate rows/s | $(awk -v r="$tw_rate" 'BEGIN { print (r >= 300000 ? "met" : "not met") }') |
| versus SQLite (load + indicators) | >= 20 x | $(x "$sq_q" "$eng_s") x | $(met "$(x "$sq_q" "$eng_s")" 20) |
MD
  if [ "$with_pg" = 1 ]; then
    echo "| versus PostgreSQL 15 (load + indicators) | >= 5 x | $(x "$pg_q" "$eng_s") x | $(met "$(x "$pg_q" "$eng_s")" 5) |"
  fi
  cat <<MD

Rescreen phases: $rescr_phases; CPU time: $rescr_cpu_phases.
MD
  if [ "$big_apps" -gt 0 ]; then
    cat <<MD
Large register: $big_rows register rows imported in $big_imp_s s (load
$big_imp_load; $big_imp_cpu s of CPU; peak $((big_imp_rss / 1024)) MiB); rescreen phases: $big_phases; $big_bpa bytes per
application.
MD
  fi
  cat <<MD

Live scoring (\`tipwatch score --sample $live_n\`: applications drawn at
random, each scored as if it had just arrived, against the index in memory):
latency p50 $l50 us, p90 $l90 us, p99 $l99 us, max $lmax us wall clock; CPU
time p50 $c50 us, p90 $c90 us, p99 $c99 us, max $cmax us. Neighbourhoods
held up to $live_hood applications. Measured apart: $live_largest.
Agreement with a full screening of the same index:
$(echo "$live_agree" | sed 's/^/- /')
MD
  echo
  echo "Every indicator flags exactly the same entities in the engine and in SQL"
  echo "(the bench fails otherwise). Rows per indicator and query wall seconds:"
  echo
  if [ "$with_pg" = 1 ]; then
    echo "| indicator | engine hits | SQLite rows | PostgreSQL rows | agree | SQLite s | PostgreSQL s |"
    echo "|---|---|---|---|---|---|---|"
    LC_ALL=C join -t "$(printf '\t')" peer-sqlite/summary.tsv peer-pg/summary.tsv |
      awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $7, \
        ($4 == "yes" && $8 == "yes" ? "yes" : "NO"), $5, $9 }'
  else
    echo "| indicator | engine hits | SQLite rows | agree | SQLite s |"
    echo "|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' peer-sqlite/summary.tsv
  fi
} >>"$here/RESULTS.md"
cat "$here/RESULTS.md"
