#!/usr/bin/env bash
# Screening end to end through the CLI: a synthetic register is imported and
# screened; alerts are listed, explained and exported; a rescreen with no new
# data changes nothing; planted employers are among the employer alerts and no
# benign look-alike is alerted; bad options are user errors.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
"$TW_BIN" synth --out reg --applications 6000 --seed 21 >/dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "reg/$f.csv"
done
"$TW_BIN" screen --db t.db > out1
# every permit row but the deliberately bad ones (synth's manifest)
want=$(awk -F, '$1 == "permits.csv" {print $2 - $3}' reg/manifest.csv)
grep -q "^screen: $want applications" out1 || fail "screen summary (want $want applications): $(cat out1)"
raised=$(sed -n 's/^screen: alerts raised \([0-9]*\),.*/\1/p' out1)
[ "$raised" -gt 0 ] || fail "no alert raised: $(cat out1)"
expect_eq "$(sq t.db 'SELECT count(*) FROM alert')" "$raised" "alerts stored"

# nothing new: nothing changes
"$TW_BIN" screen --db t.db > out2
grep -q "alerts raised 0, updated 0, unchanged $raised, lowered 0" out2 || fail "rescreen: $(cat out2)"
expect_eq "$(sq t.db 'SELECT count(*) FROM alert_event')" "$raised" "no history added by a rescreen"

# export: the interface of DESIGN.md
"$TW_BIN" alerts export --db t.db --format csv --out alerts.csv
head -1 alerts.csv | grep -q '^alert_id,entity_type,entity_key,score,level,indicators,created_at' \
  || fail "export header: $(head -1 alerts.csv)"
expect_eq "$(($(wc -l < alerts.csv) - 1))" "$raised" "exported rows"
"$TW_BIN" alerts export --db t.db --format json --out alerts.json
head -1 alerts.json | grep -q '"evidence":{"entity_type":' || fail "json export"
expect_eq "$(wc -l < alerts.json)" "$raised" "json lines"

# planted employers alerted, look-alikes not (ground truth read only here, by the test)
awk -F, '$5=="planted" && $3=="employer" {print $4}' reg/truth.csv | sort -u > planted_employers
awk -F, '$2=="employer" && $5!="none" {print $3}' alerts.csv | sort -u > alerted_employers
hits=$(comm -12 planted_employers alerted_employers | wc -l)
[ "$hits" -gt 0 ] || fail "no planted employer among the employer alerts"
awk -F, '$5=="lookalike" {print $3","$4}' reg/truth.csv | sort -u > lookalikes
awk -F, '$5!="none" {print $2","$3}' alerts.csv | sort -u > alerted
expect_eq "$(comm -12 lookalikes alerted | wc -l)" 0 "look-alikes alerted"

# a candidate config tried in shadow: alerts would disappear, nothing is touched
events=$(sq t.db 'SELECT count(*) FROM alert_event')
sed 's/^low = [0-9]*/low = 55/; s/^version = .*/version = candidate/' "$TW_SRCDIR/docs/tipwatch.conf" > cand.conf
"$TW_BIN" screen --db t.db --config cand.conf --shadow > shadow
grep -Eq '^shadow: 0 alerts would appear, [1-9][0-9]* disappear' shadow || fail "shadow: $(cat shadow)"
expect_eq "$(sq t.db 'SELECT count(*) FROM alert_event')" "$events" "shadow touched alert history"
set +e
"$TW_BIN" screen --db t.db --shadow 2>err; rc=$?
set -e
expect_eq "$rc" 1 "--shadow without --config"

# list and show
"$TW_BIN" alerts list --db t.db --level high --limit 5 > list
grep -q '^     1  high' list || fail "list: $(cat list)"
"$TW_BIN" alerts show --db t.db 1 > show
grep -q '^What drove this score' show || fail "show: $(cat show)"
grep -q '^History:' show || fail "show history"

set +e
"$TW_BIN" alerts show --db t.db 999999 2>err; rc=$?
set -e
expect_eq "$rc" 1 "show of an unknown alert"
grep -q 'no alert 999999' err || fail "unknown alert message"
set +e
"$TW_BIN" alerts list --db t.db --level severe 2>err; rc=$?
set -e
expect_eq "$rc" 1 "bad --level"
printf 'version = x\n[levels]\nlow = 50\nmedium = 40\nhigh = 90\n' > bad.conf
set +e
"$TW_BIN" screen --db t.db --config bad.conf 2>err; rc=$?
set -e
expect_eq "$rc" 1 "bad config"
grep -q 'bad.conf:' err || fail "bad config message names the file: $(cat err)"
echo "screen: ok ($raised alerts, $hits planted employers alerted)"
