#!/usr/bin/env bash
# bench/report.sh - the pattern report over a large register against the
# same table computed as SQL on SQLite (the peer), in one run.
#
# usage: bash bench/report.sh path/to/tipwatch [APPS] [SEED]
# Synthesises APPS applications (default 1000000), imports the permits and
# the border crossings, then times:
#   - tipwatch report patterns --table corridors (load + one table)
#   - tipwatch report patterns --table all --format json (load + every table)
#   - peer: sqlite3 computing corridors' counts (applications, approved,
#     rejected, distinct workers, women) over permit_current with GROUP BY;
#     the peer does not compute the median salary (SQLite has no median).
#   - tipwatch report quality (all five registers imported) against
#     sqlite3 counting each register's current rows and duplicates of its
#     natural key over the <table>_current views (the peer computes no
#     completeness per column, lag median or consistency).
# Prints one line per run and a RESULTS.md line to paste. TW_BENCH_DB=FILE
# reuses a store already made this way (its five registers imported)
# instead of synthesising one.
set -euo pipefail
TW=${1:?usage: report.sh TIPWATCH [APPS] [SEED]}
TW=$(readlink -f "$TW")
APPS=${2:-1000000}
SEED=${3:-1}
DIR=$(mktemp -d /tmp/tw-bench-report-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
if [ -n "${TW_BENCH_DB:-}" ]; then
  ln -s "$(readlink -f "$TW_BENCH_DB")" "$DIR/r.db"
  cd "$DIR"
else
  cd "$DIR"
  "$TW" synth --out d --applications "$APPS" --seed "$SEED" >/dev/null
  "$TW" import --db r.db --quiet --progress none d/permits.csv d/border_crossings.csv \
    d/inspections.csv d/reports.csv d/outcomes.csv >/dev/null 2>&1 || true
fi
# wall seconds, CPU seconds (user + system: less sensitive to a busy
# machine than the wall clock), peak RSS in KiB (the store maps its file,
# so the pages of the database read count in it)
secs() { /usr/bin/time -f '%e %U %S %M' "$@" 2>&1 >/dev/null | tail -1 |
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'; }
read -r t1 c1 m1 < <(secs "$TW" report patterns --db r.db --table corridors --out c.csv)
read -r t2 c2 m2 < <(secs "$TW" report patterns --db r.db --table all --format json --out all.json)
cat > peer.sql <<'SQL'
.output peer.csv
.mode csv
SELECT substr(submitted_at,1,4) y, worker_citizenship, employer_sector, workplace_region,
       count(*), sum(decision='approved'), sum(decision='rejected'),
       count(DISTINCT worker_ref), count(DISTINCT CASE WHEN worker_sex='F' THEN worker_ref END)
FROM permit_current GROUP BY 1,2,3,4 ORDER BY 1,2,3,4;
SQL
read -r t3 c3 m3 < <(secs sqlite3 r.db ".read peer.sql")
# the same numbers: tipwatch's columns but the median against the peer's rows
if tail -n +2 c.csv | cut -d, -f1-9 | diff -q - <(tr -d '\r' < peer.csv) > /dev/null; then
  same="identical"
else
  same="DIFFERENT"
fi
read -r t4 c4 m4 < <(secs "$TW" report quality --db r.db --out q.csv)
cat > peerq.sql <<'SQL'
.output peerq.csv
.mode csv
SELECT 'permits', count(*), count(*) - count(DISTINCT coalesce(worker_doc_country,'')||'|'||
  coalesce(worker_doc_no_norm,'')||'|'||coalesce(employer_tin,'')||'|'||
  substr(coalesce(submitted_at,''),1,10)) FROM permit_current;
SELECT 'border_crossings', count(*), count(*) - count(DISTINCT coalesce(doc_country,'')||'|'||
  coalesce(doc_no_norm,'')||'|'||coalesce(crossed_at,'')||'|'||coalesce(direction,''))
  FROM border_crossing_current;
SELECT 'inspections', count(*), count(*) - count(DISTINCT coalesce(employer_tin,'')||'|'||
  coalesce(inspected_on,'')) FROM inspection_current;
SELECT 'reports', count(*), count(*) - count(DISTINCT coalesce(channel,'')||'|'||
  coalesce(received_at,'')||'|'||coalesce(subject_name_norm,'')||'|'||coalesce(phone_e164,'')||
  '|'||coalesce(employer_tin,'')) FROM report_current;
SELECT 'outcomes', count(*), count(*) - count(DISTINCT coalesce(entity_type,'')||'|'||
  coalesce(entity_key,'')||'|'||coalesce(outcome,'')||'|'||coalesce(decided_on,''))
  FROM outcome_current;
SQL
read -r t5 c5 m5 < <(secs sqlite3 r.db ".read peerq.sql")
if tail -n +2 q.csv | awk -F, '{ print $1 "," $2 "," $9 }' | diff -q - <(tr -d '\r' < peerq.csv) > /dev/null; then
  qsame="identical"
else
  qsame="DIFFERENT"
fi
rows_tw=$(($(wc -l < c.csv) - 1))
rows_peer=$(wc -l < peer.csv)
apps=$(sqlite3 r.db "SELECT count(*) FROM permit_current")
echo "applications $apps; corridors rows: tipwatch $rows_tw, peer $rows_peer; their counts: $same"
echo "tipwatch corridors: ${t1} s wall, ${c1} s CPU, ${m1} KiB peak"
echo "tipwatch all six tables: ${t2} s wall, ${c2} s CPU, ${m2} KiB peak"
echo "peer sqlite3 corridors (no median): ${t3} s wall, ${c3} s CPU, ${m3} KiB peak"
echo "tipwatch quality (five registers): ${t4} s wall, ${c4} s CPU, ${m4} KiB peak"
echo "peer sqlite3 rows and duplicates per register: ${t5} s wall, ${c5} s CPU, ${m5} KiB peak; rows and duplicates: $qsame"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| report patterns, $apps applications | corridors ${t1} s (${c1} s CPU) | all six tables ${t2} s (${c2} s CPU) | peer SQL corridors ${t3} s (${c3} s CPU) | $(echo "scale=2; $c3 / $c1" | bc) x the peer's speed (CPU) |"
