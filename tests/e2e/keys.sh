#!/usr/bin/env bash
# The key file and the retention purge through the binary: keys init (0600,
# never overwritten), status, rotate twice (archived, then --destroy-old),
# the errors a key file can give with their exit status and message, and
# cases purge --dry-run against the real purge.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
unset TIPWATCH_KEY_FILE

run() { # run EXPECTED_STATUS CMD...: stdout in out, stderr in err
  local want=$1 rc=0
  shift
  "$@" > out 2> err || rc=$?
  [ "$rc" -eq "$want" ] || fail "$*: exit $rc, expected $want; stderr: $(cat err)"
}
mode() { stat -c %a "$1"; }

for c in keys cases; do
  "$TW_BIN" $c --help | grep -q "usage: tipwatch $c" || fail "$c --help"
done

# ---- init
run 0 "$TW_BIN" keys init --db fresh.db
[ -f fresh.db.key ] || fail "init: no fresh.db.key"
expect_eq "$(mode fresh.db.key)" 600 "init: mode"
[ ! -e fresh.db ] || fail "init made a database"
grep -q '^tipwatch-key 1 ' fresh.db.key || fail "init: no key 1"
cp fresh.db.key before.key
run 1 "$TW_BIN" keys init --db fresh.db
grep -q "fresh.db.key: the key file already exists; it is never overwritten" err ||
  fail "init twice: $(cat err)"
cmp -s fresh.db.key before.key || fail "init twice changed the file"
run 0 "$TW_BIN" keys init --key-file elsewhere.key
expect_eq "$(mode elsewhere.key)" 600 "init --key-file: mode"

# ---- a database with cases: the demo opens a few
run 0 "$TW_BIN" demo --dir d --applications 300 --seed 3 --no-serve
grep -q '^created the key file d/tipwatch.db.key' out || fail "demo: key file: $(cat out)"
ncases=$(grep -c '^case [0-9]* opened from alert [0-9]* ' out) || true
[ "$ncases" -ge 1 ] || fail "demo opened no case: $(cat out)"
grep -q '^Demo case-worker account: user demo-cases, password tipwatch-demo' out ||
  fail "demo: case-worker account: $(cat out)"
expect_eq "$(mode d/tipwatch.db.key)" 600 "demo key file mode"
expect_eq "$(sq d/tipwatch.db 'SELECT count(*) FROM nrm_case')" "$ncases" "cases in the db"
DB=d/tipwatch.db
KEY=d/tipwatch.db.key
# a second demo run keeps its cases
run 0 "$TW_BIN" demo --dir d --applications 300 --seed 3 --no-serve
grep -q "^$ncases NRM cases of MCS from an earlier run" out || fail "demo again: $(cat out)"
expect_eq "$(sq $DB 'SELECT count(*) FROM nrm_case')" "$ncases" "cases after a second demo"
run 1 "$TW_BIN" keys init --db $DB --key-file other.key
grep -q 'the database holds [0-9]* sealed values (key 1)' err || fail "init for sealed db: $(cat err)"
[ ! -e other.key ] || fail "init for a sealed db made a key file"

# ---- a key file of another database: serve and keys refuse it before
# anything is written (serve is bounded: the old binary started and served)
run 0 "$TW_BIN" keys init --key-file wrong.key
before_cases=$(sq $DB 'SELECT count(*) FROM nrm_case')
run 1 timeout 30 "$TW_BIN" serve --db $DB --key-file wrong.key --listen 127.0.0.1:0 --quiet
grep -q "^tipwatch: wrong.key: the key file does not match this database: its key 1 is not" err ||
  fail "serve with another key file: $(cat err)"
run 1 "$TW_BIN" keys rotate --db $DB --key-file wrong.key
grep -q "wrong.key: the key file does not match this database" err || fail "rotate, wrong key: $(cat err)"
grep -q "keys: key" out && fail "rotate, wrong key printed a success line: $(cat out)"
expect_eq "$(grep -c '^tipwatch-key' wrong.key)" 1 "the wrong key file is unchanged"
run 1 "$TW_BIN" keys status --db $DB --key-file wrong.key
grep -q "wrong.key: the key file does not match this database" err || fail "status, wrong key: $(cat err)"
expect_eq "$(sq $DB 'SELECT count(*) FROM nrm_case')" "$before_cases" "cases after a wrong key"

# ---- status
run 0 "$TW_BIN" keys status --db $DB
grep -q "^key file: $KEY (current key 1)$" out || fail "status: $(cat out)"
grep -q "^database: $DB (no rotation recorded)$" out || fail "status: $(cat out)"
n1=$(awk '$1 == "1" && $2 == "yes" {print $3}' out)
[ -n "$n1" ] && [ "$n1" -ge "$ncases" ] || fail "status: sealed values under key 1: $(cat out)"

# ---- rotate: key 2, key 1 archived
run 0 "$TW_BIN" keys rotate --db $DB
grep -q "^keys: key 2 is now current (was 1): $n1 sealed values re-sealed" out ||
  fail "rotate: $(cat out)"
grep -q "restart any 'tipwatch serve'" out || fail "rotate: no restart note"
archive=$(ls d/tipwatch.db.key.retired-* 2> /dev/null)
[ "$(echo "$archive" | wc -l)" -eq 1 ] && [ -n "$archive" ] || fail "rotate: archive: $archive"
expect_eq "$(mode "$archive")" 600 "archive mode"
expect_eq "$(mode $KEY)" 600 "key file mode after rotate"
grep -q '^tipwatch-key 1 ' "$archive" || fail "archive lacks key 1"
grep -q '^tipwatch-key 2 ' "$archive" && fail "archive holds the current key"
grep -q '^tipwatch-key 1 ' $KEY && fail "key 1 still in the key file"
run 0 "$TW_BIN" keys status --db $DB
grep -q "^database: $DB (current key 2, rotated " out || fail "status after rotate: $(cat out)"
expect_eq "$(awk '$1 == "2" {print $2 "/" $3}' out)" "yes/$n1" "status: key 2"
awk '$1 == "1"' out | grep -q . && fail "status still lists key 1: $(cat out)"

# ---- rotate again, destroying the old key
run 0 "$TW_BIN" keys rotate --db $DB --destroy-old
grep -q "^keys: key 3 is now current (was 2)" out || fail "rotate 2: $(cat out)"
grep -q "destroyed it (--destroy-old)" out || fail "rotate 2: $(cat out)"
expect_eq "$(ls d/tipwatch.db.key.retired-* | wc -l)" 1 "archives after --destroy-old"
run 0 "$TW_BIN" keys status --db $DB
expect_eq "$(awk '$1 == "3" {print $2 "/" $3}' out)" "yes/$n1" "status: key 3"
expect_eq "$(sq $DB "SELECT group_concat(key_id) FROM key_rotation")" "2,3" "key_rotation rows"
expect_eq "$(sq $DB "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate'")" 2 \
  "keys.rotate audited"
# no key material in any output, the audit log or the database
for k in $(awk '/^tipwatch-key/ {print $3}' $KEY "$archive"); do
  grep -rqF -- "$k" out err && fail "key material printed"
  sqlite3 $DB .dump | grep -qF -- "$k" && fail "key material in the database"
done
run 0 "$TW_BIN" audit verify --db $DB
grep -q 'chain intact' out || fail "audit verify: $(cat out)"

# ---- errors
run 1 "$TW_BIN" keys status --db nothere.db
grep -q '^tipwatch: nothere.db: no such database' err || fail "no db: $(cat err)"
[ ! -e nothere.db ] || fail "status made a database"
run 1 "$TW_BIN" keys rotate --db $DB --key-file missing.key
grep -q '^tipwatch: missing.key: key file not found (create one with `tipwatch keys init`)' err ||
  fail "missing key file: $(cat err)"
chmod 644 $KEY
run 1 "$TW_BIN" keys rotate --db $DB
grep -q "mode 0644.*chmod 600 $KEY" err || fail "wrong mode: $(cat err)"
run 1 "$TW_BIN" keys status --db $DB
grep -q "chmod 600" err || fail "status, wrong mode: $(cat err)"
chmod 600 $KEY
# the archive (key 1) is not the key file of data under key 3
run 1 "$TW_BIN" keys status --db $DB --key-file "$archive"
grep -q "are under key 3, which is not in the key file" err || fail "status, key missing: $(cat err)"
grep -q '^3 *MISSING' out || fail "status, key missing: $(cat out)"
run 1 "$TW_BIN" keys rotate --db $DB --key-file "$archive"
grep -q "under key 3, which is not in the key file: restore it" err ||
  fail "rotate, key missing: $(cat err)"
expect_eq "$(grep -c '^tipwatch-key' "$archive")" 1 "the archive was left alone"
# TIPWATCH_KEY_FILE names the key file when --key-file does not
cp "$archive" env.key
TIPWATCH_KEY_FILE=env.key run 1 "$TW_BIN" keys status --db $DB
grep -q "^tipwatch: env.key: .*under key 3" err || fail "TIPWATCH_KEY_FILE: $(cat err)"
run 1 "$TW_BIN" keys frob
grep -q "unknown subcommand 'frob'" err || fail "unknown subcommand: $(cat err)"
run 1 "$TW_BIN" keys status --destroy-old --db $DB
grep -q "destroy-old is for 'keys rotate'" err || fail "--destroy-old misuse: $(cat err)"
# the data still opens with the key file after all that
run 0 "$TW_BIN" keys status --db $DB
expect_eq "$(awk '$1 == "3" {print $2 "/" $3}' out)" "yes/$n1" "status at the end"

# ---- purge: one case closed long ago
sq $DB "UPDATE nrm_case SET stage = 'closed', closed_at = '2020-01-10T10:00:00Z',
        closed_unix = 1578650400 WHERE id = 1"
run 0 "$TW_BIN" cases purge --db $DB --dry-run
grep -q '^cases: 1 cases closed before .* (retention 1826 days) would be purged; nothing was changed' out ||
  fail "purge --dry-run: $(cat out)"
expect_eq "$(sq $DB 'SELECT count(*) FROM nrm_case')" "$ncases" "cases after a dry run"
sed 's/^retention_days = .*/retention_days = 36500/' "$TW_SRCDIR/docs/tipwatch.conf" > long.conf
run 0 "$TW_BIN" cases purge --db $DB --config long.conf --key-file $KEY
grep -q '^cases: purged 0 cases closed before .* (retention 36500 days)' out ||
  fail "purge, long retention: $(cat out)"
run 0 "$TW_BIN" cases purge --db $DB
grep -q '^cases: purged 1 cases closed before' out || fail "purge: $(cat out)"
expect_eq "$(sq $DB 'SELECT count(*) FROM nrm_case')" "$((ncases - 1))" "cases after purge"
expect_eq "$(sq $DB 'SELECT count(*) FROM case_stat')" 1 "de-identified row"
expect_eq "$(sq $DB "SELECT count(*) FROM audit_log WHERE action = 'case.purge'")" 2 \
  "purges audited (not the dry run)"
sed 's/^retention_days = .*/retention_days = 0/' "$TW_SRCDIR/docs/tipwatch.conf" > bad.conf
run 1 "$TW_BIN" cases purge --db $DB --config bad.conf --dry-run
grep -q '^tipwatch: bad.conf:[0-9]*:.*retention_days' err || fail "bad config: $(cat err)"
run 1 "$TW_BIN" cases purge --db nothere.db
grep -q 'no such database' err || fail "purge, no db: $(cat err)"
run 1 "$TW_BIN" cases close
grep -q "unknown subcommand 'close'" err || fail "cases close: $(cat err)"
echo "keys: ok"
