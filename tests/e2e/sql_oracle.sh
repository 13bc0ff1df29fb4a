#!/usr/bin/env bash
# The engine against its SQL peers (bench/sql/, run by bench/peers.sh on
# SQLite): a 20k synthetic register is imported, then a second version of
# some rows of every register (decisions, salaries, hours, phones,
# addresses, submission days on the minimum-wage boundary, birthdays,
# intermediaries, headcounts, crossing directions and days, violations,
# report targets) so that only current versions may count; the engine's
# hits must be exactly the rows every query returns, per indicator.
# Agreement only: no timing is asserted.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
"$TW_BIN" synth --out reg --applications 20000 --seed 7 >/dev/null
"$TW_BIN" import --db t.db --progress none --quiet reg/permits.csv reg/border_crossings.csv \
  reg/inspections.csv reg/reports.csv reg/outcomes.csv

mkdir v2
sqlite3 -batch scratch.db <<'SQL'
.mode csv
.import reg/permits.csv p
.import reg/border_crossings.csv b
.import reg/inspections.csv i
.import reg/reports.csv r
UPDATE p SET decision = CASE decision WHEN 'approved' THEN 'rejected' WHEN 'pending' THEN 'approved'
  WHEN 'rejected' THEN 'revoked' ELSE 'pending' END WHERE rowid % 17 = 0;
UPDATE p SET monthly_salary_amd = CAST(monthly_salary_amd AS INTEGER) / 3
  WHERE rowid % 19 = 0 AND monthly_salary_amd <> '';
UPDATE p SET weekly_hours = CASE WHEN rowid % 2 THEN '48' ELSE '49' END WHERE rowid % 23 = 0;
UPDATE p SET worker_phone = '+37491000' || (rowid % 7 + 100) WHERE rowid % 29 = 0;
UPDATE p SET workplace_address = (rowid % 5) || ' Test Street, Yerevan' WHERE rowid % 31 = 0;
UPDATE p SET worker_address = workplace_address WHERE rowid % 37 = 0;
-- 2019-12-31 in UTC, 2020-01-01 in Armenia: the 68,000 minimum applies
UPDATE p SET submitted_at = '2020-01-01T01:00:00+04:00', decided_at = '', decision = 'pending',
  monthly_salary_amd = '60000' WHERE rowid % 41 = 0;
-- eighteen on the day (not a minor), and one day short of it (a minor)
UPDATE p SET worker_birth_date = (substr(submitted_at, 1, 4) - 18) || substr(submitted_at, 5, 6)
  WHERE rowid % 43 = 0;
UPDATE p SET worker_birth_date = (substr(submitted_at, 1, 4) - 18) || substr(submitted_at, 5, 4)
  || printf('%02d', substr(submitted_at, 9, 2) + 1)
  WHERE rowid % 47 = 0 AND substr(submitted_at, 9, 2) < '28';
-- born on 29 February: 17 on 28 February 2022, 18 on 1 March
UPDATE p SET worker_birth_date = '2004-02-29', submitted_at = '2022-02-28T12:00:00+04:00',
  decided_at = '', decision = 'pending' WHERE rowid % 71 = 0;
UPDATE p SET worker_birth_date = '2004-02-29', submitted_at = '2022-03-01T12:00:00+04:00',
  decided_at = '', decision = 'pending' WHERE rowid % 73 = 0;
UPDATE p SET intermediary_id = 'AG-TEST-' || (rowid % 3), intermediary_name = 'Test Agency'
  WHERE rowid % 53 = 0;
UPDATE p SET employer_declared_employees = '0' WHERE rowid % 59 = 0;
-- pairs of the default [mismatch] list (synth plants none)
UPDATE p SET employer_sector = '62', occupation_isco = '9313' WHERE rowid % 61 = 0;
UPDATE p SET employer_sector = '43', occupation_isco = '5169' WHERE rowid % 67 = 0;
UPDATE b SET direction = CASE direction WHEN 'in' THEN 'out' ELSE 'in' END WHERE rowid % 13 = 0;
UPDATE b SET crossed_at = substr(crossed_at, 1, 11) || '23:30:00+04:00' WHERE rowid % 11 = 0;
UPDATE i SET violations = CASE WHEN violations = '' THEN 'child_labour' ELSE '' END
  WHERE rowid % 3 = 0;
UPDATE r SET address = '', phone = '', category = 'forced_labour' WHERE rowid % 4 = 0;
.headers on
.once v2/permits.csv
SELECT * FROM p;
.once v2/border_crossings.csv
SELECT * FROM b;
.once v2/inspections.csv
SELECT * FROM i;
.once v2/reports.csv
SELECT * FROM r;
SQL
"$TW_BIN" import --db t.db --progress none --quiet v2/permits.csv v2/border_crossings.csv \
  v2/inspections.csv v2/reports.csv
for t in permit border_crossing inspection report; do
  n=$(sq t.db "SELECT count(*) FROM $t WHERE version = 2")
  [ "$n" -gt 0 ] || fail "no second version of any $t row"
done

"$TW_BIN" screen --db t.db --hits hits.csv --quiet
bash "$TW_SRCDIR/bench/peers.sh" sqlite t.db hits.csv out >peers.out 2>&1 ||
  fail "the engine and its SQL peers disagree: $(cat peers.out)"
grep -q 'all agree with the engine' peers.out || fail "peers: $(cat peers.out)"

# the comparison is not vacuous: most indicators flag something here
ninds=$(ls out/*.engine.tsv | wc -l)
[ "$ninds" -ge 20 ] || fail "only $ninds indicators compared"
nonempty=$(find out -name '*.engine.tsv' -size +0 | wc -l)
[ "$nonempty" -ge 20 ] || fail "only $nonempty indicators have hits to compare"
echo "sql_oracle: ok ($ninds indicators, $nonempty with hits, $(($(wc -l < hits.csv) - 1)) hits)"
