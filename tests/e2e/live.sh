#!/usr/bin/env bash
# Live scoring from the CLI (tipwatch score): a sample of stored
# applications, each scored as if it had just arrived, agrees with a full
# screening for the application, its worker and its employer; one named
# application prints its score and evidence; bad arguments are exit 1 with
# a message naming what was wrong, and nothing is written.
. "$(dirname "$0")/lib.bash"
cd "$WORK"

"$TW_BIN" synth --out reg --applications 3000 --seed 21 >/dev/null
"$TW_BIN" import --db t.db --progress none --quiet reg/permits.csv reg/border_crossings.csv \
  reg/inspections.csv reg/reports.csv
before=$(sqlite3 t.db "SELECT count(*) FROM alert")

"$TW_BIN" score --db t.db --sample 400 --seed 3 >sample.out
cat sample.out
grep -q '^score: 400 applications scored live' sample.out || fail "no sample summary"
for kind in application worker employer; do
  grep -q "^score: $kind level as in a full screening for 100.0%" sample.out ||
    fail "$kind levels differ from a full screening"
done
grep -q '^score: cpu time p50 [0-9]* us' sample.out || fail "no CPU time percentiles"

id=$(sqlite3 t.db "SELECT row_key FROM permit_current LIMIT 1 OFFSET 17")
"$TW_BIN" score --db t.db "$id" >one.out
grep -q "^$id: score [0-9.]*, \(none\|low\|medium\|high\) ([0-9]* applications in its neighbourhood" one.out ||
  fail "no score line for $id: $(cat one.out)"

# bad input: an unknown id, no arguments, a bad sample size, both modes
if "$TW_BIN" score --db t.db NO-SUCH-APP 2>err.out; then fail "unknown id accepted"; fi
grep -q "no current application 'NO-SUCH-APP'" err.out || fail "unknown id: $(cat err.out)"
if "$TW_BIN" score --db t.db 2>err.out; then fail "no arguments accepted"; fi
grep -q "give APPLICATION_IDs or --sample N" err.out || fail "no arguments: $(cat err.out)"
if "$TW_BIN" score --db t.db --sample 0 2>err.out; then fail "--sample 0 accepted"; fi
grep -q -- "--sample must be 1..10000000, not '0'" err.out || fail "sample 0: $(cat err.out)"
if "$TW_BIN" score --db t.db --sample 5 "$id" 2>err.out; then fail "both modes accepted"; fi
grep -q "unexpected argument" err.out || fail "both modes: $(cat err.out)"

expect_eq "$(sqlite3 t.db "SELECT count(*) FROM alert")" "$before" "alerts written by score"
echo "live: ok"
