#!/usr/bin/env bash
# The web UI in a real browser: a fresh database (synthetic register of
# 2,000 applications, imported and screened), three users of MCS (analyst,
# inspector, statistician) and two case workers of two organisations (MCS,
# "NGO Hope") for the NRM cases, a key file for the cases' encryption at
# rest, `tipwatch serve` on a free port serving web/,
# then tests/browser/*.test.mjs drive Debian's chromium through
# playwright-core (pinned in web/package-lock.json). Screenshots are kept in
# $TW_ARTIFACTS (default: artifacts/browser/ beside the binary). SIGTERM must
# stop the server with exit status 0 and the audit chain intact.
# Skips (exit 0, saying why) only when /usr/bin/chromium is absent and CI
# is not set; under CI it must run.
. "$(dirname "$0")/lib.bash"
SRC=${TW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CHROMIUM=${TW_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  [ -n "${CI:-}" ] && fail "$CHROMIUM is absent (scripts/install-deps.sh installs Debian's chromium)"
  echo "browser: skipped: $CHROMIUM is absent and CI is not set (scripts/install-deps.sh installs it)"
  exit 0
fi
command -v node > /dev/null || fail "node is needed (scripts/install-deps.sh installs nodejs)"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed (scripts/install-deps.sh installs it)"
if [ ! -f "$SRC/web/node_modules/playwright-core/package.json" ] ||
   [ ! -f "$SRC/web/vendor/chart.umd.min.js" ] || [ ! -f "$SRC/web/vendor/cytoscape.min.js" ]; then
  bash "$SRC/scripts/web-deps.sh" || fail "scripts/web-deps.sh could not fetch the web libraries"
fi
ART=${TW_ARTIFACTS:-$(cd "$(dirname "$TW_BIN")" && pwd)/artifacts/browser}
mkdir -p "$ART"
rm -f "$ART"/*.png
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

"$TW_BIN" synth --out syn --applications 2000 --seed 7 > /dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null || fail "import $f"
done
"$TW_BIN" screen --db t.db --quiet || fail "screen"
"$TW_BIN" link --db t.db --quiet || fail "link"

add_user() { # NAME ROLE PASSWORD [ORG]
  printf '%s\n' "$3" |
    "$TW_BIN" user add "$1" --org "${4:-MCS}" --role "$2" --password-stdin --db t.db > /dev/null ||
    fail "user add $1"
}
add_user ana analyst 'ana-browser-password'
add_user insp inspector 'insp-browser-password'
add_user stat statistician 'stat-browser-password'
add_user cw case_worker 'cw-browser-password' MCS
add_user ngo case_worker 'ngo-browser-password' 'NGO Hope'

# the key of the cases' encryption at rest (docs/internals/vault.md): made
# by `tipwatch keys init` where it exists, else written in its format
if ! "$TW_BIN" keys init --key-file "$WORK/t.db.key" > /dev/null 2>&1; then
  rm -f t.db.key
  (umask 077 && printf 'tipwatch-key 1 %s\n' "$(head -c 32 /dev/urandom | base64)" > t.db.key)
fi
[ -f t.db.key ] || fail "no key file"
chmod 600 t.db.key

# two alerts for the inspector's own queue; a worker alert for the network
mapfile -t OWN < <(sq t.db "SELECT id FROM alert WHERE closed = 0 ORDER BY score DESC, id
                            LIMIT 2 OFFSET 20")
[ "${#OWN[@]}" -eq 2 ] || fail "expected open alerts to assign"
for id in "${OWN[@]}"; do
  "$TW_BIN" alerts assign "$id" insp --as setup --db t.db > /dev/null || fail "assign $id"
done
worker=$(sq t.db "SELECT id || char(9) || entity_key FROM alert WHERE closed = 0
                  AND entity_type = 'worker' ORDER BY score DESC, id LIMIT 1 OFFSET 10")
[ -n "$worker" ] || fail "no open worker alert"
# an escalated worker alert of the MCS case worker, to open an NRM case from
case_alert=$(sq t.db "SELECT id FROM alert WHERE closed = 0 AND entity_type = 'worker'
                      AND assignee IS NULL ORDER BY score DESC, id LIMIT 1 OFFSET 30")
[ -n "$case_alert" ] || fail "no open worker alert for the case worker"
"$TW_BIN" alerts assign "$case_alert" cw --as setup --db t.db > /dev/null || fail "assign $case_alert"
# an alert no test assigns (every user but ngo is of MCS, so an alert any of
# them takes is in the MCS case worker's scope): the lowest open one
foreign_alert=$(sq t.db "SELECT id FROM alert WHERE closed = 0 AND assignee IS NULL
                         ORDER BY score, id LIMIT 1")
[ -n "$foreign_alert" ] || fail "no open unassigned alert"
"$TW_BIN" alerts transition "$case_alert" escalated --reason 'presumed victim: to the NRM' \
  --as setup --db t.db > /dev/null || fail "escalate $case_alert"

# an inspections export to upload: 30 new rows and 3 the importer refuses
{
  head -1 syn/inspections.csv
  sed -n '2,31p' syn/inspections.csv | sed 's/^LI-/UP-/'
  echo 'UP-BAD-1,not-a-tin,2023-02-30,3,0,'
  echo 'UP-BAD-2,12345678,,2,0,'
  echo ',12345678,2023-05-01,2,0,'
} > upload.csv

node -e '
const [, worker, up, caseAlert, db, foreignAlert] = process.argv; // node -e: no script name
const [id, key] = [worker.slice(0, worker.indexOf("\t")), worker.slice(worker.indexOf("\t") + 1)];
const users = {
  ana: { role: "analyst", password: "ana-browser-password" },
  insp: { role: "inspector", password: "insp-browser-password" },
  stat: { role: "statistician", password: "stat-browser-password" },
  cw: { role: "case_worker", org: "MCS", password: "cw-browser-password" },
  ngo: { role: "case_worker", org: "NGO Hope", password: "ngo-browser-password" },
};
const rows = require("fs").readFileSync(up, "utf8").trim().split("\n").length - 1;
const vars = { worker_alert: Number(id), worker_key: key, upload_csv: up, upload_rows: rows,
  case_alert: Number(caseAlert), db, foreign_alert: Number(foreignAlert) };
require("fs").writeFileSync("fixture.json", JSON.stringify({ users, vars }, null, 1));
' "$worker" "$WORK/upload.csv" "$case_alert" "$WORK/t.db" "$foreign_alert" || fail "writing the fixture"

"$TW_BIN" serve --db t.db --key-file t.db.key --listen 127.0.0.1:0 --web "$SRC/web" --threads 2 \
  --population "$SRC/docs/examples/population.csv" \
  > serve.out 2> serve.err &
pid=$!
wait_listening "$pid" serve.out serve.err
base=$(sed -n 's|^serve: listening on \(http://127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' serve.out)
[ -n "$base" ] || fail "no address in: $(cat serve.out)"

rc=0
for t in ${TW_BROWSER_TESTS:-ui cases i18n pilot patterns statistics screening person triage}; do
  TW_BASE_URL="$base" TW_FIXTURE="$WORK/fixture.json" TW_ARTIFACTS="$ART" TW_CHROMIUM="$CHROMIUM" \
    bounded 1800 "the browser tests of $t.test.mjs" \
    node "$SRC/tests/browser/$t.test.mjs" > "node-$t.out" 2>&1 || rc=$?
  cat "node-$t.out"
done

stop_server "$pid"
src=$STOP_RC
pid=
[ "$rc" -eq 0 ] || { tail -30 serve.err >&2; fail "browser tests failed (screenshots in $ART)"; }
expect_eq "$src" 0 "serve's exit status after SIGTERM"
"$TW_BIN" audit verify --db t.db > verify.out || fail "audit verify: $(cat verify.out)"
grep -q 'chain intact' verify.out || fail "audit verify: $(cat verify.out)"
# what the browser did is in the audit log, under the user who did it
for action in login alert.read alert.transition alert.assign entity.read import logout; do
  n=$(sq t.db "SELECT count(*) FROM audit_log WHERE action = '$action' AND actor = 'ana'")
  [ "$n" -ge 1 ] || fail "no $action by ana in the audit log"
done
# and the NRM case work under the case worker of each organisation
for action in case.open case.read case.list case.transition case.service.offer \
  case.referral.create case.referral.send case.consent.record case.consent.withdraw \
  case.attachment.add; do
  n=$(sq t.db "SELECT count(*) FROM audit_log WHERE action = '$action' AND actor = 'cw'")
  [ "$n" -ge 1 ] || fail "no $action by cw in the audit log"
done
for action in case.inbox case.read case.referral.accept case.referral.complete case.service.update \
  case.access.denied; do
  n=$(sq t.db "SELECT count(*) FROM audit_log WHERE action = '$action' AND actor = 'ngo'")
  [ "$n" -ge 1 ] || fail "no $action by ngo in the audit log"
done
# no personal data of the test's cases in the database file in the clear
for secret in 'Lusine Hakobyan' 'Shelter placement in Yerevan' 'kept her passport'; do
  if grep -aqs "$secret" t.db t.db-wal; then fail "\"$secret\" is stored in the clear"; fi
done

# `tipwatch demo` ends by serving the UI with the account it prints; twice
# into the same directory, the second run finds the first one's account
for run in 1 2; do
  # emptied here, not only by the redirection below: the background job may
  # open it after the loop has read the first run's "serve: listening"
  : > demo.out
  "$TW_BIN" demo --dir demo --applications 300 --seed 3 --listen 127.0.0.1:0 \
    > demo.out 2> demo.err &
  pid=$!
  wait_listening "$pid" demo.out demo.err 300
  base=$(sed -n 's|^serve: listening on \(http://127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' demo.out)
  account=$(grep '^Demo account' demo.out) || fail "demo printed no account: $(cat demo.out)"
  user=$(sed -n 's/^Demo account.*: user \([^,]*\), password \([^ ]*\) .*/\1/p' <<< "$account")
  password=$(sed -n 's/^Demo account.*: user \([^,]*\), password \([^ ]*\) .*/\2/p' <<< "$account")
  [ -n "$user" ] && [ -n "$password" ] || fail "cannot read the demo account in: $account"
  if [ "$run" -eq 2 ]; then
    grep -q 'from an earlier run' <<< "$account" || fail "second demo run: $account"
  fi
  node -e 'require("fs").writeFileSync("demo.json", JSON.stringify({ users: { [process.argv[1]]:
    { password: process.argv[2], role: "analyst" } }, vars: {} }))' "$user" "$password"
  rc=0
  TW_BASE_URL="$base" TW_FIXTURE="$WORK/demo.json" TW_ARTIFACTS="$ART" TW_CHROMIUM="$CHROMIUM" \
    bounded 600 "the demo's browser test" \
    node "$SRC"/tests/browser/demo.test.mjs > node-demo.out 2>&1 || rc=$?
  [ "$run" -eq 1 ] && cat node-demo.out
  stop_server "$pid"
  src=$STOP_RC
  pid=
  [ "$rc" -eq 0 ] || { cat node-demo.out; tail -20 demo.err >&2; fail "demo run $run: browser test failed"; }
  expect_eq "$src" 0 "demo's exit status after SIGTERM (run $run)"
done

shots=$(find "$ART" -name '*.png' | wc -l)
echo "browser: ok ($shots screenshots in $ART)"
