#!/usr/bin/env bash
# The command line as a new user meets it (issue 18): a read command given a
# --db that does not exist says so, exits non-zero and creates nothing;
# serve names --listen (not the key file) when the address is taken; `make
# demo`'s port check says how to pick another address.
. "$(dirname "$0")/lib.bash"
SRC=${TW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$WORK"

for cmd in "stats" "alerts list" "alerts show 1" "alerts export" "audit verify" "user list" \
           "token list" "backtest" "screen"; do
  rc=0
  # shellcheck disable=SC2086
  "$TW_BIN" $cmd --db nosuch.db > out 2> err || rc=$?
  [ "$rc" -ne 0 ] || fail "$cmd on a missing database exited 0: $(cat out)"
  grep -q 'nosuch.db' err || fail "$cmd does not name the missing database: $(cat err)"
  grep -q 'no such database' err || fail "$cmd does not say the database is missing: $(cat err)"
  [ ! -e nosuch.db ] || fail "$cmd created nosuch.db"
done

# a port another program holds
node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => {
  require("fs").writeFileSync("port", String(s.address().port)); });
  setTimeout(() => process.exit(0), 120000)' &
holder=$!
trap 'kill $holder 2> /dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 200); do [ -s port ] && break; sleep 0.05; done
[ -s port ] || fail "the port holder did not start within 10 s"
port=$(cat port)
"$TW_BIN" synth --out syn --applications 100 --seed 5 > /dev/null
"$TW_BIN" import --db t.db --progress none --quiet syn/permits.csv > /dev/null || fail "import"
"$TW_BIN" keys init --key-file t.db.key > /dev/null 2>&1 || fail "keys init"
rc=0
"$TW_BIN" serve --db t.db --key-file t.db.key --listen "127.0.0.1:$port" --web "$SRC/web" \
  > out 2> err || rc=$?
[ "$rc" -ne 0 ] || fail "serve on a taken port exited 0"
grep -q "cannot listen on 127.0.0.1:$port" err || fail "serve does not name the address: $(cat err)"
if grep -q 't.db.key' err; then fail "serve blames the key file for the address: $(cat err)"; fi

# make demo's check: the taken port stops it, saying how to pick another
rc=0
bash "$SRC/scripts/demo-port.sh" "127.0.0.1:$port" 2> err || rc=$?
expect_eq "$rc" 1 "demo-port.sh on a taken port"
grep -q "DEMO_LISTEN=127.0.0.1:$((port + 1))" err || fail "no way out offered: $(cat err)"
kill $holder
wait $holder 2> /dev/null || true
bash "$SRC/scripts/demo-port.sh" "127.0.0.1:$port" || fail "demo-port.sh on a free port refused it"
rc=0
bash "$SRC/scripts/demo-port.sh" "nonsense" 2> err || rc=$?
expect_eq "$rc" 2 "demo-port.sh on a bad address"
# the demo has a second organisation, an NGO, so a referral can be tried
# from the web UI without the command line
"$TW_BIN" demo --dir demo --applications 300 --seed 3 --no-serve > demo.out 2> demo.err ||
  fail "demo: $(tail -3 demo.err)"
grep -q '^Demo NGO account: user demo-ngo, password [^ ]* (role case_worker, organisation Hope Shelter)' demo.out ||
  fail "demo printed no NGO account: $(grep -i account demo.out)"
"$TW_BIN" user list --db demo/tipwatch.db > users.out || fail "user list"
grep -q '^demo-ngo  *Hope Shelter  *case_worker  .* active' users.out || fail "no NGO account: $(cat users.out)"
# `alerts list` shows the name beside the key, as the web UI does: the
# worker's given and family name, the employer's name (from the latest
# permit); an address has none ("-")
"$TW_BIN" screen --db demo/tipwatch.db --quiet || fail "screen"
"$TW_BIN" alerts list --db demo/tipwatch.db --limit 500 > list.out || fail "alerts list"
head -1 list.out | grep -q ' key  *name  *indicators$' || fail "no name column: $(head -1 list.out)"
checked=0
while IFS=$'\t' read -r id type want; do
  [ -n "$want" ] || continue
  line=$(grep -E "^ *$id  " list.out) || fail "alert $id not listed"
  case $line in
    *"$want"*) checked=$((checked + 1)) ;;
    *) fail "alert $id ($type): '$want' not beside its key: $line" ;;
  esac
done < <(sqlite3 -separator $'\t' demo/tipwatch.db "
  SELECT a.id, a.entity_type, substr(CASE a.entity_type
           WHEN 'employer' THEN (SELECT employer_name FROM permit WHERE employer_tin = a.entity_key
                                 ORDER BY id DESC LIMIT 1)
           WHEN 'worker' THEN (SELECT trim(worker_given_name || ' ' || worker_family_name) FROM permit p
                               JOIN worker w ON w.id = p.worker_ref WHERE w.key = a.entity_key
                               ORDER BY p.id DESC LIMIT 1) END, 1, 20)
  FROM alert a WHERE a.closed = 0 AND a.entity_type IN ('worker', 'employer')
  ORDER BY a.score DESC, a.id LIMIT 40")
[ "$checked" -ge 3 ] || fail "only $checked names checked"
echo "pilot_cli: ok"
