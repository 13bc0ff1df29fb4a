#!/usr/bin/env bash
# `tipwatch report` and `tipwatch export` as a user runs them: the pattern
# tables of two synthetic worlds (seeds and sizes) agree with SQL counts
# over the store, a period with no data prints the header only, bad options
# exit 1 naming the option, SDG 16.2.2 refuses without its population file
# naming it, the printable report is one HTML page with every table, and
# the CTDC extract passes its checker while a file with a rarer
# combination fails it.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed (scripts/install-deps.sh installs it)"

for world in "900 17" "2600 41"; do
  set -- $world
  rm -rf syn t.db
  "$TW_BIN" synth --out syn --applications "$1" --seed "$2" > /dev/null
  for f in permits border_crossings; do
    "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null 2>&1 || true
  done
  "$TW_BIN" report patterns --db t.db --table corridors > c.csv
  got=$(awk -F, 'NR > 1 { s += $5 } END { print s + 0 }' c.csv)
  want=$(sq t.db "SELECT count(*) FROM permit_current")
  expect_eq "$got" "$want" "corridors' applications (seed $2)"
  "$TW_BIN" report patterns --db t.db --table flows --from 2024-01-01 --to 2024-06-30 > f.csv
  got=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' f.csv)
  want=$(sq t.db "SELECT count(*) FROM permit_current WHERE substr(submitted_at,1,10) BETWEEN '2024-01-01' AND '2024-06-30'")
  expect_eq "$got" "$want" "flows' applications in the first half of 2024 (seed $2)"
  head -1 f.csv | grep -q '^month,' || fail "flows has its header"
done

# a period with no data: the header alone, exit 0
"$TW_BIN" report patterns --db t.db --table wages --from 1990-01-01 --to 1990-12-31 > w.csv
expect_eq "$(wc -l < w.csv)" 1 "a period with no data prints the header only"
"$TW_BIN" report patterns --db t.db --table recruitment --from 1990-01-01 --to 1990-12-31 --format json > r.json
grep -q '"rows":\[\]' r.json || fail "json of an empty period: $(cat r.json)"

# bad options: exit 1, naming the option
rc=0; "$TW_BIN" report patterns --db t.db --table corridor 2> err || rc=$?
expect_eq "$rc" 1 "an unknown table"
grep -q -- '--table' err || fail "the error names --table: $(cat err)"
rc=0; "$TW_BIN" report patterns --db t.db --table trends --from 2024-02-30 2> err || rc=$?
expect_eq "$rc" 1 "a malformed date"
grep -q -- '--from' err || fail "the error names --from: $(cat err)"
rc=0; "$TW_BIN" report patterns --db t.db --table all 2> err || rc=$?
expect_eq "$rc" 1 "--table all as CSV"

# the printable report: one HTML page with the six tables
"$TW_BIN" report patterns --db t.db --table all --format html --out report.html
expect_eq "$(grep -c '<table class="stats"' report.html)" 6 "tables in the printable report"
grep -q '<!DOCTYPE html>' report.html || fail "a whole HTML page"
"$TW_BIN" report quality --db t.db --format csv > q.csv
expect_eq "$(wc -l < q.csv)" 6 "the quality report: a header and five registers"

# SDG 16.2.2 refuses without the population file, naming what it needs
rc=0; "$TW_BIN" report sdg --db t.db 2> err || rc=$?
expect_eq "$rc" 1 "sdg without --population"
grep -q -- '--population' err || fail "sdg names the file it needs: $(cat err)"
rc=0; "$TW_BIN" report sdg --db t.db --population "$WORK/none.csv" 2> err || rc=$?
expect_eq "$rc" 1 "sdg with a missing population file"
grep -q "none.csv" err || fail "sdg names the missing file: $(cat err)"
"$TW_BIN" report sdg --db t.db --population "$TW_SRCDIR/docs/examples/population.csv" > sdg.csv
head -1 sdg.csv | grep -q '^year,sex,age_group,exploitation,victims,population,per_100000' ||
  fail "sdg header: $(head -1 sdg.csv)"

# the CTDC extract and its checker
"$TW_BIN" export ctdc --db t.db --k 11 --out ctdc.csv 2> loss
grep -q 'rows suppressed whole' loss || fail "the loss is reported: $(cat loss)"
"$TW_BIN" export check --k 11 ctdc.csv > /dev/null || fail "the extract passes its checker"
{ cat ctdc.csv; echo '2024,Female,18+,ARM,ARM,OrganRemoval,,,'; } > rare.csv
rc=0; "$TW_BIN" export check --k 11 rare.csv 2> err || rc=$?
expect_eq "$rc" 1 "a file with a rarer combination"
grep -q 'OrganRemoval' err || fail "the checker names the combination: $(cat err)"
# multiple systems estimation from capture histories; thin overlaps refused
printf 'nrm,alerts,count\n1,0,80\n0,1,60\n1,1,20\n' > h.csv
"$TW_BIN" report mse --histories h.csv > mse.csv
expect_eq "$(sed -n 2p mse.csv | cut -d, -f10)" 400 "Lincoln-Petersen: 100 x 80 / 20"
"$TW_BIN" report mse --histories h.csv --format json > mse.json
grep -q '"table":"mse_histories","columns":\["nrm","alerts","count"\]' mse.json ||
  fail "json has the capture histories: $(cat mse.json)"
rc=0; "$TW_BIN" report mse --histories h.csv --criterion aicc 2> err || rc=$?
expect_eq "$rc" 1 "an unknown criterion"
grep -q -- '--criterion' err || fail "the error names --criterion: $(cat err)"
printf 'nrm,alerts,count\n1,0,80\n0,1,60\n1,1,3\n' > thin.csv
rc=0; "$TW_BIN" report mse --histories thin.csv 2> err || rc=$?
expect_eq "$rc" 1 "mse with thin overlaps"
grep -q 'too thin' err || fail "the refusal says why: $(cat err)"
echo "report: ok"
