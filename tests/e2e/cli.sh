#!/usr/bin/env bash
# The command line: exit statuses and one-line errors naming file, line, field.
. "$(dirname "$0")/lib.bash"
cd "$WORK"

"$TW_BIN" --version | grep -q '^tipwatch [0-9].* (SQLite 3\.[0-9]*\.[0-9]*)$' || fail "--version"
for c in import synth stats demo; do
  "$TW_BIN" $c --help | grep -q "usage: tipwatch $c" || fail "$c --help"
done

set +e
"$TW_BIN" frobnicate 2>err; rc=$?
set -e
expect_eq "$rc" 1 "unknown command exit status"
grep -q "unknown command 'frobnicate'" err || fail "unknown command message"

set +e
"$TW_BIN" import --db t.db missing.csv 2>err; rc=$?
set -e
expect_eq "$rc" 1 "missing file exit status"
expect_eq "$(wc -l < err)" 1 "missing file: one line"
grep -q '^tipwatch: missing.csv: cannot open' err || fail "missing file message: $(cat err)"

printf 'inspection_id,employer_tin,inspected_on\nI1,01234567,2023-06-01\n' > ok.csv
printf 'a,b\n1,2\n' > what.csv
set +e
"$TW_BIN" import --db t.db --progress none what.csv 2>err; rc=$?
set -e
expect_eq "$rc" 1 "unknown register exit status"
grep -q '^tipwatch: what.csv:1: cannot tell which register' err || fail "register message: $(cat err)"

printf 'inspection_id,employer_tin,inspected_on\nI2,123,2023-06-01\n' > bad.csv
"$TW_BIN" import --db t.db --progress none ok.csv bad.csv > out
grep -q 'ok.csv: inspections: 1 read, 1 new' out || fail "summary: $(cat out)"
grep -q 'bad.csv: inspections: 1 read, 0 new.*1 rejected' out || fail "summary: $(cat out)"
grep -q '^2,2,employer_tin,error,' bad.csv.rejects.csv || fail "rejects file: $(cat bad.csv.rejects.csv)"
# identifiers a spreadsheet would run as formulas are refused; every cell of
# the rejects file that begins with = + - @ is written as text ("'=...")
printf 'inspection_id,employer_tin,inspected_on\n=cmd|%s/Ccalc%s!A0,01234567,2023-06-01\n@SUM(1+1),01234567,2023-06-01\n-1+1,01234567,2023-06-01\n=1+2,=1+2,2023-06-01\n' "'" "'" > formula.csv
"$TW_BIN" import --db formula.db --progress none formula.csv > out
grep -q 'formula.csv: inspections: 4 read, 0 new.*4 rejected' out || fail "formula ids: $(cat out)"
grep -q "^2,1,inspection_id,error,\"identifier begins with '=', '+', '-' or '@'" formula.csv.rejects.csv ||
  fail "formula ids: $(cat formula.csv.rejects.csv)"
grep -q "\"'=cmd|'/Ccalc'!A0,01234567,2023-06-01\"" formula.csv.rejects.csv ||
  fail "formula raw line not neutralised: $(cat formula.csv.rejects.csv)"
expect_eq "$(grep -c ",\"'[=@-][^\"]*\"$" formula.csv.rejects.csv)" 5 \
  "rows whose record cell is written as text"
expect_eq "$(grep -c '' formula.csv.rejects.csv)" 6 "rejects file lines" 
set +e
"$TW_BIN" import --db t.db --progress none --strict bad.csv >/dev/null 2>err; rc=$?
set -e
expect_eq "$rc" 1 "--strict with a rejected row"

set +e
"$TW_BIN" import --db t.db --register nonsense ok.csv 2>err; rc=$?
set -e
expect_eq "$rc" 1 "unknown --register"
set +e
"$TW_BIN" synth --applications 5 --out x 2>err; rc=$?
set -e
expect_eq "$rc" 1 "synth --applications too small"
grep -q 'applications must be' err || fail "synth message"

"$TW_BIN" stats --db t.db > stats
grep -Eq '^inspections +1 +1 +1 +0$' stats || fail "stats: $(cat stats)"

# a file that is not a database
echo "hello" > notadb.db
set +e
"$TW_BIN" stats --db notadb.db 2>err; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "stats on a non-database succeeded"
grep -q 'notadb.db' err || fail "non-database message names the file: $(cat err)"
# one deployment file holds the engine's sections and [link]: screen and link
# both read it, each its own part; a typo in [link] fails at its line in both
cp "$TW_SRCDIR/docs/tipwatch.conf" both.conf
printf '\n[link]\nthreshold = 6.5\nblock_cap = 400\n' >> both.conf
"$TW_BIN" screen --db t.db --config both.conf > /dev/null || fail "screen --config with [link]"
"$TW_BIN" link --db t.db --config both.conf --quiet || fail "link --config with the engine's sections"
cp both.conf typo.conf
printf 'treshold = 5\n' >> typo.conf
for cmd in screen link; do
  set +e
  "$TW_BIN" $cmd --db t.db --config typo.conf > /dev/null 2>err; rc=$?
  set -e
  expect_eq "$rc" 1 "$cmd --config with an unknown key in [link]"
  grep -q "typo.conf" err && grep -q "treshold" err || fail "$cmd names the file and key: $(cat err)"
done
echo "cli: ok"
