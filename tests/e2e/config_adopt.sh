#!/usr/bin/env bash
# Four-eyes adoption of a config from the command line: an admin proposes a
# config (its shadow run and backtest are stored with it), the same admin
# and an analyst cannot approve it, a second admin can; screen, backtest and
# rank then run under it without --config; a later config replaces it and a
# rollback brings it back; every step is audited; a broken config, a missing
# token and an unknown version are user errors. Also: rank lists every
# employer, alerted or not; calibrate refuses a register with too few labels
# and writes nothing.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
"$TW_BIN" synth --out reg --applications 4000 --seed 31 >/dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "reg/$f.csv"
done
for u in ada bob; do
  echo 'a long enough password' | "$TW_BIN" user add $u --org MCS --role admin --password-stdin --db t.db >/dev/null
done
echo 'a long enough password' | "$TW_BIN" user add cat --org MCS --role analyst --password-stdin --db t.db >/dev/null
"$TW_BIN" token create ada --db t.db > ada.tok
"$TW_BIN" token create bob --db t.db > bob.tok
"$TW_BIN" token create cat --db t.db > cat.tok

# rank: every employer, the header of DESIGN's watch list
"$TW_BIN" rank --db t.db --entity employer > emp.csv
expect_eq "$(head -1 emp.csv)" "entity_key,score,level,top_indicators" "rank header"
expect_eq "$(($(wc -l < emp.csv) - 1))" "$(sq t.db "SELECT count(*) FROM employer")" "every employer ranked"
grep -q ',none,$' emp.csv || fail "rank lists employers without evidence too"
"$TW_BIN" rank --db t.db --entity phone --top 3 --format json > ph.json
expect_eq "$(wc -l < ph.json)" 3 "rank --top 3 json lines"
set +e
"$TW_BIN" rank --db t.db --entity company 2>err; rc=$?
set -e
expect_eq "$rc" 1 "rank of an unknown kind"

# calibrate: a small register has too few labels; nothing is written
set +e
"$TW_BIN" calibrate --db t.db --out learnt.conf > cal.out 2> cal.err; rc=$?
set -e
expect_eq "$rc" 1 "calibrate with too few labels"
grep -q 'too few labels' cal.err || fail "calibrate refusal: $(cat cal.err)"
grep -q 'not fitted: ' cal.out || fail "calibrate report: $(cat cal.out)"
[ ! -e learnt.conf ] || fail "calibrate wrote a config it refused"

# propose a candidate (a higher low level) as ada
sed 's/^low = [0-9]*/low = 55/; s/^version = .*/version = candidate-1/' "$TW_SRCDIR/docs/tipwatch.conf" > c1.conf
TIPWATCH_TOKEN=$(cat ada.tok) "$TW_BIN" config propose --db t.db --file c1.conf --note "fewer low alerts" > p1.out
grep -q '^shadow: config in force 2026-12-07.1, candidate candidate-1' p1.out || fail "propose shadow: $(head -3 p1.out)"
grep -q 'measures under config candidate-1' p1.out || fail "propose backtest"
grep -q '^proposed: config version 1 ' p1.out || fail "propose: $(tail -1 p1.out)"
"$TW_BIN" config show --db t.db 1 > show.out
grep -q '^shadow: ' show.out || fail "show: the review is stored"

# not the proposer, not an analyst
set +e
TIPWATCH_TOKEN=$(cat ada.tok) "$TW_BIN" config approve --db t.db 1 2>err; rc=$?
set -e
expect_eq "$rc" 1 "approval by the proposer"
grep -q 'a second admin must approve config version 1: ada proposed it' err || fail "four eyes: $(cat err)"
set +e
"$TW_BIN" config approve --db t.db 1 --token-file cat.tok 2>err; rc=$?
set -e
expect_eq "$rc" 1 "approval by an analyst"
grep -q 'only an admin may approve' err || fail "analyst: $(cat err)"
set +e
env -u TIPWATCH_TOKEN "$TW_BIN" config approve --db t.db 1 2>err; rc=$?
set -e
expect_eq "$rc" 1 "approval without a token"
grep -q 'who is acting' err || fail "no token: $(cat err)"
expect_eq "$(sq t.db "SELECT status FROM config_version WHERE id = 1")" proposed "still a proposal"

# before approval, screening runs under the built-in config
"$TW_BIN" screen --db t.db >/dev/null
expect_eq "$(sq t.db "SELECT DISTINCT config_version FROM screening")" 2026-12-07.1 "before approval"

"$TW_BIN" config approve --db t.db 1 --token-file bob.tok > a1.out
grep -q '^approved: config version 1 is now in force (approved by bob)' a1.out || fail "approve: $(cat a1.out)"
"$TW_BIN" screen --db t.db >/dev/null
expect_eq "$(sq t.db "SELECT config_version FROM screening ORDER BY id DESC LIMIT 1")" candidate-1 "screen under the adopted config"
"$TW_BIN" backtest --db t.db > bt.out
grep -q 'under config candidate-1' bt.out || fail "backtest under the adopted config"

# a second config replaces it; rollback restores it
sed 's/^low = [0-9]*/low = 40/; s/^version = .*/version = candidate-2/' "$TW_SRCDIR/docs/tipwatch.conf" > c2.conf
"$TW_BIN" config propose --db t.db --file c2.conf --token-file bob.tok > /dev/null
"$TW_BIN" config approve --db t.db 2 --token-file ada.tok > /dev/null
expect_eq "$(sq t.db "SELECT group_concat(s, ' ') FROM (SELECT id || ':' || status AS s FROM config_version ORDER BY id)")" "1:retired 2:active" "replaced"
"$TW_BIN" config rollback --db t.db --token-file ada.tok --reason "too many alerts" > r.out
grep -q 'config version 1 is in force again' r.out || fail "rollback: $(cat r.out)"
expect_eq "$(sq t.db "SELECT group_concat(s, ' ') FROM (SELECT id || ':' || status AS s FROM config_version ORDER BY id)")" "1:active 2:rolled_back" "rolled back"
"$TW_BIN" config list --db t.db > list.out
grep -q '^1 .*active .*candidate-1' list.out || fail "list: $(cat list.out)"

# a rejected proposal never becomes active
sed 's/^version = .*/version = candidate-3/; s/^high = [0-9]*/high = 95/' "$TW_SRCDIR/docs/tipwatch.conf" > c3.conf
"$TW_BIN" config propose --db t.db --file c3.conf --token-file ada.tok > /dev/null
"$TW_BIN" config reject --db t.db 3 --reason "not backtested enough" --token-file bob.tok > /dev/null
set +e
"$TW_BIN" config approve --db t.db 3 --token-file bob.tok 2>err; rc=$?
set -e
expect_eq "$rc" 1 "approval of a rejected proposal"
grep -q 'config version 3 is rejected, not a proposal' err || fail "rejected: $(cat err)"

# every step audited; the chain intact
for a in config.propose config.approve config.rollback config.reject; do
  [ "$(sq t.db "SELECT count(*) FROM audit_log WHERE action = '$a'")" -ge 1 ] || fail "audit $a"
done
expect_eq "$(sq t.db "SELECT actor FROM audit_log WHERE action = 'config.approve' AND object = 'config:1'")" bob "approver audited"
"$TW_BIN" audit verify --db t.db > /dev/null || fail "audit chain"

# bad input
printf 'version = x\n[levels]\nlow = 50\nmedium = 40\nhigh = 90\n' > bad.conf
set +e
"$TW_BIN" config propose --db t.db --file bad.conf --token-file ada.tok 2>err; rc=$?
set -e
expect_eq "$rc" 1 "a broken config"
grep -q 'bad.conf:' err || fail "broken config names the file: $(cat err)"
set +e
"$TW_BIN" config show --db t.db 99 2>err; rc=$?
set -e
expect_eq "$rc" 1 "unknown version"
grep -q 'no config version 99' err || fail "unknown version: $(cat err)"
echo "config_adopt: ok"
