#!/usr/bin/env bash
# Accounts, API tokens and the audit log from the command line: user add
# with the password on stdin, clear refusals (duplicate user, unknown role,
# short password), token create printing a token once, and audit verify
# finding the log intact, then broken after tampering with sqlite3.
. "$(dirname "$0")/lib.bash"
cd "$WORK"

for c in user token audit; do
  "$TW_BIN" $c --help | grep -q "usage: tipwatch $c" || fail "$c --help"
done

# --- users -------------------------------------------------------------------
echo 'a long enough password' | "$TW_BIN" user add anna --org MCS --role analyst \
  --password-stdin --db t.db > out
grep -q '^user anna added: organisation MCS, role analyst$' out || fail "user add: $(cat out)"
printf 'another secret 123\r\n' | "$TW_BIN" user add boris --org "Labour Inspectorate" \
  --role inspector --password-stdin --db t.db > /dev/null || fail "user add boris (CRLF)"
expect_eq "$(sq t.db "SELECT count(*) FROM app_user")" 2 "users stored"
expect_eq "$(sq t.db "SELECT count(*) FROM app_user WHERE password_hash LIKE '\$argon2id\$%'")" \
  2 "argon2id hashes"
expect_eq "$(sq t.db "SELECT count(*) FROM app_user WHERE password_hash LIKE '%long enough%'")" \
  0 "no password in the clear"

set +e
echo 'a long enough password' | "$TW_BIN" user add anna --org MCS --role admin \
  --password-stdin --db t.db > out 2> err; rc=$?
set -e
expect_eq "$rc" 1 "duplicate user exit status"
expect_eq "$(wc -l < err)" 1 "duplicate user: one line"
grep -q "^tipwatch: user 'anna' already exists$" err || fail "duplicate message: $(cat err)"

set +e
echo 'a long enough password' | "$TW_BIN" user add carl --org MCS --role boss \
  --password-stdin --db t.db 2> err; rc=$?
set -e
expect_eq "$rc" 1 "bad role exit status"
grep -q "unknown role 'boss' (one of admin, analyst, inspector, case_worker, statistician, auditor)" \
  err || fail "bad role message: $(cat err)"

set +e
echo 'short' | "$TW_BIN" user add carl --org MCS --role analyst --password-stdin --db t.db \
  2> err; rc=$?
set -e
expect_eq "$rc" 1 "short password exit status"
grep -q 'password too short: 5 bytes, it must have 10 to 1024' err \
  || fail "short password message: $(cat err)"

set +e
"$TW_BIN" user add carl --org MCS --role analyst --db t.db < /dev/null 2> err; rc=$?
set -e
expect_eq "$rc" 1 "no --password-stdin"
grep -q 'password-stdin is required' err || fail "--password-stdin message: $(cat err)"

set +e
"$TW_BIN" user add carl --org MCS --role analyst --password-stdin --db t.db < /dev/null \
  2> err; rc=$?
set -e
expect_eq "$rc" 1 "empty stdin"
grep -q 'no password on standard input' err || fail "empty stdin message: $(cat err)"

set +e
echo 'a long enough password' | "$TW_BIN" user add 'carl smith' --org MCS --role analyst \
  --password-stdin --db t.db 2> err; rc=$?
set -e
expect_eq "$rc" 1 "bad user name"
grep -q "field name: user name 'carl smith' is not allowed" err || fail "bad name: $(cat err)"
expect_eq "$(sq t.db "SELECT count(*) FROM app_user")" 2 "refused users are not stored"

"$TW_BIN" user list --db t.db > out
grep -Eq '^anna +MCS +analyst +[0-9T:-]+Z +active +0$' out || fail "user list: $(cat out)"
grep -Eq '^boris +Labour Inspectorate +inspector ' out || fail "user list boris: $(cat out)"
grep -q 'argon2' out && fail "user list shows a hash"

# --- tokens ------------------------------------------------------------------
"$TW_BIN" token create anna --label "nightly export" --db t.db > tok 2> err
expect_eq "$(wc -l < tok)" 1 "token create: one line on stdout"
token=$(cat tok)
[[ "$token" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token shape: '$token'"
grep -q 'shown only this once' err || fail "token note: $(cat err)"
expect_eq "$(sq t.db "SELECT count(*) FROM api_token WHERE instr(token_hash, '$token') > 0
                      OR instr(label, '$token') > 0")" 0 "token not stored in the clear"
expect_eq "$(sq t.db "SELECT length(token_hash) FROM api_token")" 32 "token hash stored"
"$TW_BIN" token list anna --db t.db > out
grep -Eq '^1 +anna +[0-9T:-]+Z +valid +nightly export$' out || fail "token list: $(cat out)"
grep -q "$token" out && fail "token list shows the token"

set +e
"$TW_BIN" token create nobody --db t.db > tok 2> err; rc=$?
set -e
expect_eq "$rc" 1 "token for an unknown user"
expect_eq "$(wc -c < tok)" 0 "no token printed on failure"
grep -q "no user 'nobody'" err || fail "unknown user message: $(cat err)"

"$TW_BIN" token create boris --db t.db > /dev/null 2>&1
"$TW_BIN" token revoke 2 --db t.db > out
grep -q '^API token 2 of boris revoked$' out || fail "revoke: $(cat out)"
set +e
"$TW_BIN" token revoke 2 --db t.db 2> err; rc=$?
set -e
expect_eq "$rc" 1 "revoke twice"
grep -q 'already revoked' err || fail "revoke twice message: $(cat err)"

"$TW_BIN" user disable boris --db t.db > out
grep -q '^user boris disabled' out || fail "disable: $(cat out)"
"$TW_BIN" user list --db t.db | grep -Eq '^boris .* disabled +0$' || fail "disabled in list"

# --- the audit log -----------------------------------------------------------
# user.add x2, token.create x2, token.revoke, user.disable; refusals wrote nothing
"$TW_BIN" audit verify --db t.db > out
expect_eq "$(cat out)" "audit: 6 entries, chain intact" "audit verify"
"$TW_BIN" audit list --db t.db > out
expect_eq "$(grep -c ' cli ' out)" 6 "audit list: six CLI entries"
grep -Eq '^1 +[0-9-]+T[0-9:]+\.[0-9]{6}Z .* cli +user\.add +user:anna +cli +\{"org":"MCS","role":"analyst"\}$' \
  out || fail "audit list user.add: $(cat out)"
grep -Eq '^3 .* token\.create +user:anna +cli +\{"token_id":1,"label":"nightly export"\}$' out \
  || fail "audit list token.create: $(cat out)"
grep -Eq '^6 .* user\.disable +user:boris ' out || fail "audit list user.disable: $(cat out)"
grep -q "$token" out && fail "the audit log holds the token"
"$TW_BIN" audit list --limit 2 --db t.db > out
expect_eq "$(grep -c 'cli' out)" 2 "audit list --limit 2"

# an anchor kept elsewhere
anchor=$("$TW_BIN" audit head --db t.db)
[[ "$anchor" =~ ^6:[0-9a-f]{64}$ ]] || fail "audit head: '$anchor'"
"$TW_BIN" audit verify --anchor "$anchor" --db t.db > /dev/null || fail "verify with anchor"
set +e
"$TW_BIN" audit verify --anchor 6:xyz --db t.db 2> err; rc=$?
set -e
expect_eq "$rc" 1 "bad --anchor"
grep -q 'anchor must be ID:HASH' err || fail "bad --anchor message: $(cat err)"

# the triggers refuse a plain change
set +e
sq t.db "UPDATE audit_log SET object = 'user:mallory' WHERE id = 1" 2> err; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "UPDATE on audit_log was allowed"
grep -q 'append-only' err || fail "trigger message: $(cat err)"
set +e
sq t.db "DELETE FROM audit_log WHERE id = 6" 2> err; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "DELETE on audit_log was allowed"

# an edit behind the triggers' back
cp t.db edited.db
sq edited.db "DROP TRIGGER audit_log_no_update;
              UPDATE audit_log SET object = 'user:mallory' WHERE id = 3"
set +e
"$TW_BIN" audit verify --db edited.db > out; rc=$?
set -e
expect_eq "$rc" 1 "verify after an edit"
grep -q '^audit: chain broken at entry 3: its hash does not match' out \
  || fail "edit message: $(cat out)"

# a removed entry, and a cut-off tail
cp t.db removed.db
sq removed.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 2"
set +e
"$TW_BIN" audit verify --db removed.db > out; rc=$?
set -e
expect_eq "$rc" 1 "verify after a removal"
grep -q '^audit: chain broken at entry 3: entry 2 before it is missing' out \
  || fail "removal message: $(cat out)"
cp t.db cut.db
sq cut.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id >= 5"
set +e
"$TW_BIN" audit verify --db cut.db > out; rc=$?
set -e
expect_eq "$rc" 1 "verify after cutting the tail"
grep -q '^audit: chain broken at entry 5: the log ends at entry 4 but its head records 6' out \
  || fail "tail message: $(cat out)"

# the intact log still verifies, and commands keep appending to it
"$TW_BIN" audit verify --db t.db > /dev/null || fail "original log no longer intact"
echo 'a long enough password' | "$TW_BIN" user add carl --org "NGO Hope" --role case_worker \
  --password-stdin --db t.db > /dev/null
expect_eq "$("$TW_BIN" audit verify --db t.db)" "audit: 7 entries, chain intact" "after one more"
echo "accounts: ok"
