#!/usr/bin/env bash
# The HTTP API end to end: a fresh database (synthetic register of 2,000
# applications, imported and screened), a key file for the NRM cases, one
# user and one API token per role,
# alerts assigned so that every scope (own, organisation, all) has something
# to reach; then `tipwatch serve` on a free port, tests/http/run.mjs replays
# tests/http/*.json and the authorisation matrix against it, and SIGTERM must
# stop the server with exit status 0, the audit chain intact.
. "$(dirname "$0")/lib.bash"
SRC=${TW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v node > /dev/null || fail "node is needed (scripts/install-deps.sh installs nodejs)"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed (scripts/install-deps.sh installs it)"
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

"$TW_BIN" synth --out syn --applications 2000 --seed 11 > /dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null || fail "import $f"
done
"$TW_BIN" screen --db t.db --quiet || fail "screen"
# persons for /api/v1/persons (after the screening: the alerts stay as they were)
"$TW_BIN" link --db t.db --quiet || fail "link"

# Users: one per role named after it, in organisation MCS; "peer", another
# MCS user; "ngo_worker", a case worker of another organisation; "limited",
# for the sign-in rate limit. Password: NAME-password-1.
: > users.tsv
add_user() { # NAME ORG ROLE
  printf '%s-password-1\n' "$1" |
    "$TW_BIN" user add "$1" --org "$2" --role "$3" --password-stdin --db t.db > /dev/null ||
    fail "user add $1"
  local tok
  tok=$("$TW_BIN" token create "$1" --label http-test --db t.db 2> /dev/null) || fail "token $1"
  [ "${#tok}" -eq 43 ] || fail "token create $1 printed '$tok', not a 43-character token"
  printf '%s\t%s\t%s\t%s-password-1\t%s\n' "$1" "$2" "$3" "$1" "$tok" >> users.tsv
}
for role in admin analyst inspector case_worker statistician auditor; do
  add_user "$role" MCS "$role"
done
add_user peer MCS analyst
add_user admin2 MCS admin # the second pair of eyes of config adoption
add_user ngo_worker "NGO Hope" case_worker
add_user limited MCS analyst
add_user gone MCS inspector # disabled below, after an alert is assigned to it

# The key file of the NRM cases' encryption at rest (docs/internals/vault.md:
# one "tipwatch-key ID BASE64" line per 32-byte key, mode 0600), found by
# serve as the database path + ".key".
(umask 077; printf 'tipwatch-key 1 %s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > t.db.key)

# Alerts on workers: one assigned to each role's user, one to peer, one to
# ngo_worker, one to nobody; more left free for the write tests. The
# inspector's and ngo_worker's are two workers of one employer, so each
# one's network holds the other (the entity page must not show it to them).
pair=$(sq t.db "SELECT a1.id || char(9) || a1.entity_key || char(10) || a2.id || char(9) ||
                       a2.entity_key
                FROM alert a1 JOIN worker w1 ON w1.key = a1.entity_key
                JOIN permit p1 ON p1.worker_ref = w1.id
                JOIN permit p2 ON p2.employer_ref = p1.employer_ref AND p2.worker_ref != w1.id
                JOIN worker w2 ON w2.id = p2.worker_ref
                JOIN alert a2 ON a2.entity_type = 'worker' AND a2.entity_key = w2.key
                WHERE a1.entity_type = 'worker' AND a1.closed = 0 AND a2.closed = 0
                ORDER BY (SELECT count(*) FROM permit p3 WHERE p3.employer_ref = p1.employer_ref),
                         a1.id, a2.id LIMIT 1")
mapfile -t P <<< "$pair"
[ "${#P[@]}" -eq 2 ] && [ -n "${P[1]}" ] || fail "no two open worker alerts of one employer"
mapfile -t R < <(sq t.db "SELECT id || char(9) || entity_key FROM alert WHERE closed = 0
                          AND entity_type = 'worker' AND id NOT IN (${P[0]%%$'\t'*},
                          ${P[1]%%$'\t'*}) ORDER BY id LIMIT 15")
[ "${#R[@]}" -eq 15 ] || fail "expected 15 more open worker alerts, got ${#R[@]}"
A=("${R[0]}" "${R[1]}" "${P[0]}" "${R[2]}" "${R[3]}" "${R[4]}" "${R[5]}" "${P[1]}" "${R[@]:6}")
: > vars.tsv
var() { printf '%s\t%s\n' "$1" "$2" >> vars.tsv; }
i=0
for who in own_admin own_analyst own_inspector own_case_worker own_statistician own_auditor \
           peer other none free1 free2 free3 free4 free5 free6 free7 gone; do
  id=${A[$i]%%$'\t'*}
  key=${A[$i]#*$'\t'}
  case $who in
    own_*) user=${who#own_} ;;
    peer) user=peer ;;
    other) user=ngo_worker ;;
    gone) user=gone ;;
    *) user= ;;
  esac
  if [ -n "$user" ]; then
    "$TW_BIN" alerts assign "$id" "$user" --as setup --db t.db > /dev/null || fail "assign $id"
  fi
  var "alert_$who" "$id"
  var "assignee_$who" "$user"
  var "entity_$who" "worker/$key"
  var "key_$who" "$key"
  i=$((i + 1))
done
"$TW_BIN" user disable gone --db t.db > /dev/null || fail "user disable gone"
# an open worker alert no other case touches: escalated to an organisation
# without naming a person (86_triage.json)
var alert_to_org "$(sq t.db "SELECT id FROM alert WHERE closed = 0 AND entity_type = 'worker'
                             AND id NOT IN (${P[0]%%$'\t'*}, ${P[1]%%$'\t'*})
                             ORDER BY id LIMIT 1 OFFSET 15")"
var app_key "$(sq t.db "SELECT row_key FROM permit_current ORDER BY id LIMIT 1")"
var employer_key "$(sq t.db "SELECT entity_key FROM alert WHERE entity_type = 'employer'
                             ORDER BY score DESC, id LIMIT 1")"
var address_key "$(sq t.db "SELECT key FROM address ORDER BY id LIMIT 1")"
var person_multi "$(sq t.db "SELECT person_id FROM person_join GROUP BY person_id
                             ORDER BY count(*) DESC, person_id LIMIT 1")"
var review_id "$(sq t.db "SELECT id FROM link_review ORDER BY id LIMIT 1")"
var alerts_open "$(sq t.db "SELECT count(*) FROM alert WHERE closed = 0")"
var alerts_high "$(sq t.db "SELECT count(*) FROM alert WHERE closed = 0 AND level = 'high'")"
var alerts_total "$(sq t.db "SELECT count(*) FROM alert")"
var schema_version "$(sq t.db "PRAGMA user_version")"
# POST /api/v1/score: the application with the highest open alert, its alert
# and level; the fixture below turns its CSV row into JSON bodies
var score_key "$(sq t.db "SELECT entity_key FROM alert WHERE entity_type = 'application'
                          AND closed = 0 ORDER BY score DESC, id LIMIT 1")"
var alert_scored "$(sq t.db "SELECT id FROM alert WHERE entity_type = 'application'
                             AND closed = 0 ORDER BY score DESC, id LIMIT 1")"
var score_level "$(sq t.db "SELECT level FROM alert WHERE entity_type = 'application'
                            AND closed = 0 ORDER BY score DESC, id LIMIT 1")"
var web "$WORK/web"
var until_ok "$(date -u -d '+30 days' +%F)"
var until_far "$(date -u -d '+400 days' +%F)"
var until_past "$(date -u -d '-3 days' +%F)"
var today "$(date -u +%F)"
# Personal data the case tests write: after the run none of it may be found
# in the database file or its WAL in the clear (cases.h, rule 8).
case_name="Nazira Plaintextova"
case_narrative="kept at the farm PLAINTEXT-NARRATIVE-4417 for two years"
case_docno="QZ7731904"
var case_name "$case_name"
var case_name_lower "nazira  PLAINTEXTOVA"
var case_name_part "Nazira"
var case_narrative "$case_narrative"
var case_docno "$case_docno"

# The web UI directory: files, a symlink inside it, symlinks out of it, a
# hidden file, a directory without an index.
mkdir -p web/js web/empty
echo '<!doctype html><title>tipwatch test</title>' > web/index.html
echo 'console.log("tipwatch");' > web/js/app.js
echo 'SECRET=1' > web/.env
echo 'outside the web directory' > secret.txt
ln -s ../secret.txt web/escape.txt
ln -s /etc/passwd web/passwd
ln -s index.html web/alias.html
# npm's side of a real web directory: never served (only vendor/ copies)
mkdir -p web/node_modules/lib web/vendor
echo 'module.exports = "npm copy";' > web/node_modules/lib/index.js
echo '{"name": "tipwatch-web"}' > web/package.json
echo '{"lockfileVersion": 3}' > web/package-lock.json
echo 'console.log("vendor copy");' > web/vendor/lib.js

node -e '
const fs = require("fs");
const users = {}, vars = {};
for (const l of fs.readFileSync("users.tsv", "utf8").trim().split("\n")) {
  const [name, org, role, password, token] = l.split("\t");
  users[name] = { org, role, password, token };
}
for (const l of fs.readFileSync("vars.tsv", "utf8").trim().split("\n")) {
  const i = l.indexOf("\t");
  const k = l.slice(0, i), v = l.slice(i + 1);
  if (k.startsWith("entity_")) {
    const [type, ...key] = v.split("/");
    vars[k] = type + "/" + encodeURIComponent(key.join("/"));
  } else if (k.startsWith("assignee_")) {
    vars[k] = v === "" ? null : v;
  } else {
    vars[k] = /^(alert_|alerts_|schema_version)/.test(k) ? Number(v) : v;
  }
}
vars.address_path = "address/" + encodeURIComponent(vars.address_key);
vars.employer_path = "employer/" + encodeURIComponent(vars.employer_key);
vars.app_path = "application/" + encodeURIComponent(vars.app_key);
// the scored application as a JSON body (its latest row in the CSV; empty
// fields left out), and variants: a new application, a new version of it,
// one with two bad values
function csvRows(text) {
  const rows = [];
  let row = [], f = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === "\"" && text[i + 1] === "\"") { f += c; i++; }
      else if (c === "\"") q = false;
      else f += c;
    } else if (c === "\"") q = true;
    else if (c === ",") { row.push(f); f = ""; }
    else if (c === "\n") { row.push(f); rows.push(row); row = []; f = ""; }
    else if (c !== "\r") f += c;
  }
  if (f !== "" || row.length) { row.push(f); rows.push(row); }
  return rows;
}
const [head, ...rows] = csvRows(fs.readFileSync("syn/permits.csv", "utf8"));
const row = rows.filter((r) => r[0] === vars.score_key).pop();
if (!row) throw new Error("no CSV row for " + vars.score_key);
const app = {};
head.forEach((h, i) => { if (row[i] !== "") app[h] = row[i]; });
vars.score_app = app;
vars.score_app_new = { ...app, application_id: "HTTP-SCORE-1" };
vars.score_app_version = { ...app, application_id: "HTTP-SCORE-1", weekly_hours: 71 };
vars.score_app_bad = { ...app, application_id: "HTTP-SCORE-2", weekly_hours: "lots",
                       worker_birth_date: "1990-02-30" };
vars.score_app_rejected = { ...app, application_id: "HTTP-SCORE-3", decision: "rejected" };
fs.writeFileSync("fixture.json", JSON.stringify({ users, vars }, null, 1));
' || fail "writing the fixture"

# Limits small enough to test cheaply; the defaults are in http.h. The test
# client is also the trusted proxy: its X-Forwarded-For names the client.
"$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --web "$WORK/web" --threads 2 \
  --max-body 65536 --max-upload 4194304 --trusted-proxy 127.0.0.1 \
  --population "$SRC/docs/examples/population.csv" > serve.out 2> serve.err &
pid=$!
wait_listening "$pid" serve.out serve.err
port=$(sed -n 's|^serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' serve.out)
[ -n "$port" ] || fail "no port in: $(cat serve.out)"

rc=0
TW_HTTP_BASE="http://127.0.0.1:$port" TW_HTTP_FIXTURE="$WORK/fixture.json" \
  TW_HTTP_DB="$WORK/t.db" bounded 1800 "the HTTP cases (tests/http/run.mjs)" \
  node "$SRC/tests/http/run.mjs" "$@" || rc=$?

stop_server "$pid"
src=$STOP_RC
pid=
[ "$rc" -eq 0 ] || { tail -40 serve.err >&2; fail "tests/http cases failed"; }
expect_eq "$src" 0 "serve's exit status after SIGTERM"
grep -q '^serve: stopped' serve.err || fail "serve did not say it stopped: $(tail -3 serve.err)"
grep -q '"GET /api/v1/alerts/{id}" 200' serve.err || fail "access log: no alert read logged"
# the access log names routes, never an entity key (a passport number)
key=$(node -e 'console.log(require("./fixture.json").vars.key_own_admin)')
if grep -qF "$key" serve.err; then fail "access log holds the entity key $key"; fi
# no case data in the clear: not in the database, its WAL, the server's log
for f in t.db t.db-wal serve.err serve.out; do
  [ -e "$f" ] || continue
  for secret in "$case_name" "$case_narrative" "$case_docno" "PLAINTEXT-NARRATIVE" \
                "ATTACHMENT-BYTES-5521" "threats against her life"; do
    if grep -aqiF "$secret" "$f"; then fail "$f holds '$secret' in the clear"; fi
  done
done
n=$(sq t.db "SELECT count(*) FROM nrm_case")
[ "$n" -ge 2 ] || fail "expected the case tests' cases in nrm_case, found $n"
"$TW_BIN" audit verify --db t.db > verify.out || fail "audit verify: $(cat verify.out)"
grep -q 'chain intact' verify.out || fail "audit verify: $(cat verify.out)"
n=$(sq t.db "SELECT count(*) FROM audit_log WHERE action IN ('alert.read', 'entity.read',
             'alert.transition', 'alert.assign', 'alert.suppress', 'import', 'login')")
[ "$n" -gt 0 ] || fail "no API actions in the audit log"
n=$(sq t.db "SELECT count(*) FROM audit_log WHERE action IN ('case.open', 'case.read', 'case.list')")
[ "$n" -gt 0 ] || fail "no case reads or writes in the audit log"

# After a rotation, a server still holding the old key answers case reads
# and name searches 503 "restart: the keys were rotated", not 404 / an
# empty list (a case worker would be told a person has no case).
"$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --key-file "$WORK/t.db.key" --quiet \
  > serve4.out 2> serve4.err &
pid=$!
wait_listening "$pid" serve4.out serve4.err
base=$(sed -n 's|^serve: listening on \(http://.*\)$|\1|p' serve4.out)
tok=$(node -e 'console.log(require("./fixture.json").users.case_worker.token)')
TW_BASE=$base TW_TOK=$tok node -e '
const h = { Authorization: "Bearer " + process.env.TW_TOK };
(async () => {
  const c = await fetch(process.env.TW_BASE + "/api/v1/cases", { headers: h });
  const j = await c.json();
  if (c.status !== 200 || !j.items || !j.items.length) throw new Error(`cases before: ${c.status} ${JSON.stringify(j)}`);
  require("fs").writeFileSync("case_id", String(j.items[0].id));
})().catch((e) => { console.error(e.message); process.exit(1); });
' || fail "cases before the rotation"
bounded 300 "keys rotate" "$TW_BIN" keys rotate --db t.db --key-file "$WORK/t.db.key" > rotate.out 2> rotate.err ||
  fail "keys rotate: $(cat rotate.err)"
TW_BASE=$base TW_TOK=$tok TW_CASE=$(cat case_id) node -e '
const h = { Authorization: "Bearer " + process.env.TW_TOK };
(async () => {
  for (const p of [`/api/v1/cases/${process.env.TW_CASE}`, "/api/v1/cases?name=Anyone", "/api/v1/cases"]) {
    const r = await fetch(process.env.TW_BASE + p, { headers: h });
    const j = await r.json();
    if (r.status !== 503 || !j.error.message.includes("restart: the keys were rotated"))
      throw new Error(`${p} after a rotation: ${r.status} ${JSON.stringify(j)}`);
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
' || fail "case reads with the old key after a rotation"
stop_server "$pid"
pid=

# Without its key file the server still starts: the alerts answer, every case
# endpoint is 503 naming the path; a key file readable by others stops it.
"$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --key-file "$WORK/no-such.key" --quiet \
  > serve2.out 2> serve2.err &
pid=$!
wait_listening "$pid" serve2.out serve2.err
grep -q "no key file $WORK/no-such.key" serve2.err || fail "no warning about the key file: $(cat serve2.err)"
base=$(sed -n 's|^serve: listening on \(http://.*\)$|\1|p' serve2.out)
tok=$(node -e 'console.log(require("./fixture.json").users.case_worker.token)')
TW_BASE=$base TW_TOK=$tok TW_KEY="$WORK/no-such.key" node -e '
const h = { Authorization: "Bearer " + process.env.TW_TOK };
(async () => {
  const c = await fetch(process.env.TW_BASE + "/api/v1/cases", { headers: h });
  const j = await c.json();
  if (c.status !== 503 || j.error.code !== "unavailable" || !j.error.message.includes(process.env.TW_KEY) ||
      !j.error.message.includes("tipwatch keys init")) throw new Error(`cases: ${c.status} ${JSON.stringify(j)}`);
  const a = await fetch(process.env.TW_BASE + "/api/v1/alerts?limit=1", { headers: h });
  if (a.status !== 200) throw new Error(`alerts without a key file: ${a.status}`);
})().catch((e) => { console.error(e.message); process.exit(1); });
' || fail "serve without a key file"
stop_server "$pid"
src=$STOP_RC
pid=
expect_eq "$src" 0 "serve's exit status (no key file) after SIGTERM"
chmod 644 t.db.key
if "$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --quiet > serve3.out 2> serve3.err; then
  fail "serve started with a key file readable by others"
fi
grep -q 'chmod 600' serve3.err || fail "no chmod advice: $(cat serve3.err)"
chmod 600 t.db.key
echo "http_api: ok ($(tail -1 verify.out))"
