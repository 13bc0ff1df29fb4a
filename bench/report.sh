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
# Prints one line per run and a RESULTS.md line to paste.
set -euo pipefail
TW=${1:?usage: report.sh TIPWATCH [APPS] [SEED]}
TW=$(readlink -f "$TW")
APPS=${2:-1000000}
SEED=${3:-1}
DIR=$(mktemp -d /tmp/tw-bench-report-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
"$TW" synth --out d --applications "$APPS" --seed "$SEED" >/dev/null
"$TW" import --db r.db --quiet --progress none d/permits.csv d/border_crossings.csv >/dev/null 2>&1 || true
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
rows_tw=$(($(wc -l < c.csv) - 1))
rows_peer=$(wc -l < peer.csv)
apps=$(sqlite3 r.db "SELECT count(*) FROM permit_current")
echo "applications $apps; corridors rows: tipwatch $rows_tw, peer $rows_peer; their counts: $same"
echo "tipwatch corridors: ${t1} s wall, ${c1} s CPU, ${m1} KiB peak"
echo "tipwatch all six tables: ${t2} s wall, ${c2} s CPU, ${m2} KiB peak"
echo "peer sqlite3 corridors (no median): ${t3} s wall, ${c3} s CPU, ${m3} KiB peak"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| report patterns, $apps applications | corridors ${t1} s (${c1} s CPU) | all six tables ${t2} s (${c2} s CPU) | peer SQL corridors ${t3} s (${c3} s CPU) | $(echo "scale=2; $c3 / $c1" | bc) x the peer's speed (CPU) |"
