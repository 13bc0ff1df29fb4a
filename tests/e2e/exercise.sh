#!/usr/bin/env bash
# exercise.sh - a simulation exercise end to end: `tipwatch exercise create`
# makes two team stores and the trainer's sealed truth; the trainees cannot
# see the truth (not in their store, not through the server, the trainer's
# files readable by the trainer only); team red works in the normal API
# (signs in, escalates an alert on a planted entity and one on an entity
# nothing planted, opens an NRM case for a planted worker, records the
# person's consent and refers the case), team blue does nothing; `exercise
# score` says what each found, `exercise replay` lists red's decisions
# beside the truth, and the debrief page shows the planted schemes next to
# each team's decisions.
source "$(dirname "$0")/lib.bash"
cd "$WORK"
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

"$TW_BIN" exercise create --out ex --applications 1500 --seed 5 --teams red,blue > create.out ||
  fail "exercise create: $(cat create.out)"
grep -q "team red: ex/teams/red/exercise.db" create.out || fail "create: $(cat create.out)"

# ---- the truth is the trainer's only ----------------------------------------
expect_eq "$(stat -c %a ex/trainer)" "700" "trainer directory mode"
expect_eq "$(stat -c %a ex/trainer/truth.csv)" "600" "truth file mode"
expect_eq "$(stat -c %a ex/trainer/accounts.csv)" "600" "accounts file mode"
[ ! -e ex/teams/red/truth.csv ] && [ ! -e ex/trainer/register/truth.csv ] || fail "a copy of the truth is left"
for t in red blue; do
  db=ex/teams/$t/exercise.db
  expect_eq "$(sq "$db" "SELECT count(*) FROM outcome")" "0" "$t: no outcomes (they are part of the truth)"
  expect_eq "$(sq "$db" "SELECT count(*) FROM sqlite_master WHERE name LIKE '%truth%'")" "0" "$t: no truth table"
  # no scheme id of the truth anywhere in the team's store
  sqlite3 "$db" .dump > "$t.dump"
  while IFS=, read -r scheme _; do
    [ "$scheme" = scheme_id ] && continue
    if grep -q "\\b$scheme\\b" "$t.dump"; then fail "$t: scheme id $scheme is in the team's store"; fi
  done < <(cut -d, -f1 ex/trainer/truth.csv | sort -u)
  [ "$(sq "$db" "SELECT count(*) FROM alert")" -gt 0 ] || fail "$t: no alerts to triage"
done
# the scorer refuses a truth file others may read
chmod 644 ex/trainer/truth.csv
if "$TW_BIN" exercise score --dir ex > score.out 2> score.err; then fail "score with a readable truth"; fi
grep -q "chmod 600" score.err || fail "readable truth: $(cat score.err)"
chmod 600 ex/trainer/truth.csv

pw() { awk -F, -v u="$1" '$2 == u { print $4 }' ex/trainer/accounts.csv; }
# a planted worker with an open alert, and an alert on an entity nothing planted
sqlite3 -batch ex/teams/red/exercise.db "SELECT id, entity_type, entity_key FROM alert WHERE closed = 0" \
  > alerts.txt
node -e '
const fs = require("fs");
const truth = fs.readFileSync("ex/trainer/truth.csv", "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
const planted = new Set(truth.filter((r) => r[4] === "planted").map((r) => r[2] + ":" + r[3]));
const any = new Set(truth.map((r) => r[2] + ":" + r[3]));
const alerts = fs.readFileSync("alerts.txt", "utf8").trim().split("\n").map((l) => l.split("|"));
const hit = alerts.find((a) => planted.has(a[1] + ":" + a[2]));
const miss = alerts.find((a) => !any.has(a[1] + ":" + a[2]));
const worker = truth.find((r) => r[4] === "planted" && r[2] === "worker");
if (!hit || !miss || !worker) { console.error("no planted alert, unplanted alert or planted worker"); process.exit(1); }
fs.writeFileSync("picks.json", JSON.stringify({ hit: hit[0], miss: miss[0], worker: worker[3], scheme: worker[0] }));
' || fail "choosing alerts"
printf '%s\n' 'ngo-exercise-password' |
  "$TW_BIN" user add ngo-cw --org 'NGO Hope' --role case_worker --password-stdin --db ex/teams/red/exercise.db \
  > /dev/null || fail "user add ngo-cw"

# ---- team red at work, through the server ---------------------------------
"$TW_BIN" serve --db ex/teams/red/exercise.db --key-file ex/teams/red/exercise.db.key \
  --listen 127.0.0.1:0 --quiet > serve.out 2> serve.err &
pid=$!
for _ in $(seq 300); do grep -q '^serve: listening on' serve.out && break; sleep 0.1; done
grep -q '^serve: listening on' serve.out || fail "serve did not listen within 30 s: $(cat serve.err)"
base=$(sed -n 's|^serve: listening on \(http://127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' serve.out)

BASE="$base" ANALYST_PW="$(pw red-analyst)" CW_PW="$(pw red-cw)" timeout 120 node -e '
const picks = JSON.parse(require("fs").readFileSync("picks.json", "utf8"));
const base = process.env.BASE;
async function signIn(user, password) {
  const r = await fetch(base + "/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user, password }) });
  if (r.status !== 200) throw new Error(`login ${user}: ${r.status} ${await r.text()}`);
  const j = await r.json();
  const cookie = r.headers.get("set-cookie").split(";")[0];
  return async (method, path, body) => {
    const h = { Cookie: cookie, "X-CSRF-Token": j.csrf_token, Accept: "application/json" };
    if (body !== undefined) h["Content-Type"] = "application/json";
    const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, text };
  };
}
const must = async (p, want, what) => { const r = await p; if (r.status !== want) throw new Error(`${what}: ${r.status} ${r.text}`); return r.json; };
(async () => {
  // a trainee cannot reach the trainer files through the server
  for (const p of ["/trainer/truth.csv", "/ex/trainer/truth.csv", "/../trainer/truth.csv", "/%2e%2e/trainer/truth.csv"]) {
    const r = await fetch(base + p);
    const t = await r.text();
    if (r.status === 200 && t.includes("scheme_id")) throw new Error(`the truth is served at ${p}`);
  }
  const ana = await signIn("red-analyst", process.env.ANALYST_PW);
  await must(ana("POST", `/api/v1/alerts/${picks.hit}/transition`, { to: "in_review" }), 200, "in review");
  await must(ana("POST", `/api/v1/alerts/${picks.hit}/transition`, { to: "escalated", reason: "exercise: looks planted" }), 200, "escalate planted");
  await must(ana("POST", `/api/v1/alerts/${picks.miss}/transition`, { to: "escalated", reason: "exercise: a false lead" }), 200, "escalate unplanted");
  // the analyst sees no truth in what the API answers
  const a = await must(ana("GET", `/api/v1/alerts/${picks.hit}`), 200, "read alert");
  if (JSON.stringify(a).includes(picks.scheme)) throw new Error("the alert names the scheme");
  const cw = await signIn("red-cw", process.env.CW_PW);
  const c = await must(cw("POST", "/api/v1/cases", { worker_key: picks.worker, sex: "Male", exploitation: ["ForcedLabour"] }), 201, "open case");
  const until = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
  const r = await must(cw("POST", `/api/v1/cases/${c.id}/referrals`, { to: "NGO Hope", services: ["shelter"] }), 201, "referral");
  await must(cw("POST", `/api/v1/referrals/${r.id}/consent`, { given: true, categories: ["profile"], purpose: "shelter", until }), 201, "consent");
  await must(cw("POST", `/api/v1/referrals/${r.id}/send`, { version: r.version || 1 }), 200, "send");
})().catch((e) => { console.error(e.message); process.exit(1); });
' || fail "team red's work through the API"
kill -TERM "$pid"; wait "$pid" || fail "serve's exit status"; pid=

# ---- the score ---------------------------------------------------------------
"$TW_BIN" exercise score --dir ex > score.out 2> score.err || fail "score: $(cat score.err)"
cat score.out
red=$(grep '^  team red:' score.out)
blue=$(grep '^  team blue:' score.out)
[[ "$red" =~ schemes\ found\ ([0-9]+)\ of ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] || fail "red found no scheme: $red"
[[ "$red" =~ victims\ reached\ 1\ of ]] || fail "red reached one victim: $red"
[[ "$red" =~ false\ leads\ 1, ]] || fail "red had one false lead: $red"
[[ "$red" =~ first\ action\ [0-9]+\ s\ after\ first\ sign-in ]] || fail "red's first action: $red"
[[ "$red" =~ referrals\ with\ consent\ 1 ]] || fail "red referred with consent once: $red"
[[ "$blue" =~ schemes\ found\ 0\ of.*victims\ reached\ 0\ of.*false\ leads\ 0,.*first\ action\ no\ action\ yet ]] ||
  fail "blue did nothing: $blue"
expect_eq "$(stat -c %a ex/trainer/debrief.html)" "600" "debrief mode"
grep -q "<h2>Decisions of team red</h2>" ex/trainer/debrief.html || fail "debrief: no red decisions"
grep -q 'class="found">found: ' ex/trainer/debrief.html || fail "debrief: nothing found"
grep -q 'class="missed">not found' ex/trainer/debrief.html || fail "debrief: nothing missed"
scheme=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("picks.json","utf8")).scheme)')
grep -q ">$scheme<" ex/trainer/debrief.html || fail "debrief: the planted worker's scheme $scheme is not listed"

# ---- replay ----------------------------------------------------------------
"$TW_BIN" exercise replay --dir ex --team red > replay.out || fail "replay"
grep -q 'alert -> escalated .*\[planted: ' replay.out || fail "replay: the planted escalation: $(cat replay.out)"
grep -q 'alert -> escalated .*\[not planted\]' replay.out || fail "replay: the false lead: $(cat replay.out)"
grep -q 'NRM case opened .*\[planted: ' replay.out || fail "replay: the case: $(cat replay.out)"
if "$TW_BIN" exercise replay --dir ex --team green 2> err.txt; then fail "replay of an unknown team"; fi
grep -q "no team 'green'" err.txt || fail "unknown team: $(cat err.txt)"
# an exercise is never written over another
if "$TW_BIN" exercise create --out ex --applications 200 2> err.txt; then fail "create over an exercise"; fi
grep -q "not empty" err.txt || fail "create over: $(cat err.txt)"
# --schemes names typologies of the register, or is refused naming them
if "$TW_BIN" exercise create --out ex2 --applications 1500 --seed 5 --schemes no_such_scheme 2> err.txt; then
  fail "an unknown --schemes accepted"
fi
grep -q "no scheme of typology 'no_such_scheme' in this register (it has: " err.txt || fail "unknown scheme: $(cat err.txt)"
typ=$(awk -F, 'NR > 1 && $5 == "planted" { print $2; exit }' ex/trainer/truth.csv)
"$TW_BIN" exercise create --out ex3 --applications 1500 --seed 5 --teams solo --schemes "$typ" --quiet ||
  fail "create --schemes $typ"
"$TW_BIN" exercise score --dir ex3 > score3.out || fail "score ex3"
want=$(awk -F, -v t="$typ" 'NR > 1 && $5 == "planted" && $2 == t { print $1 }' ex/trainer/truth.csv | sort -u | wc -l)
grep -q ": $want planted schemes scored" score3.out || fail "--schemes $typ: expected $want schemes scored: $(cat score3.out)"
# another world: a nationality mix and lower wages
printf 'nationality_mix = IND=50,NPL=30,UZB=20\nwage_level = 0.7\n' > world.conf
"$TW_BIN" exercise create --out ex4 --applications 800 --seed 9 --teams one --world world.conf --quiet ||
  fail "create --world"
other=$(sq ex4/teams/one/exercise.db "SELECT count(*) FROM permit WHERE worker_citizenship NOT IN ('IND','NPL','UZB')")
all=$(sq ex4/teams/one/exercise.db "SELECT count(*) FROM permit")
[ "$other" -lt $((all / 4)) ] || fail "--world: $other of $all permits outside the mix"
printf 'wage_level = lots\n' > bad.conf
if "$TW_BIN" exercise create --out ex5 --applications 800 --world bad.conf 2> err.txt; then fail "a bad world accepted"; fi
grep -q "wage_level" err.txt || fail "bad world: $(cat err.txt)"
[ ! -e ex5 ] || fail "a refused create left a directory behind"
echo "exercise: ok"
