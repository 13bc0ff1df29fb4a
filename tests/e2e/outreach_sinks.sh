#!/usr/bin/env bash
# outreach_sinks.sh - tipwatch outreach send against real receivers on
# loopback: an SMTP server (Debian's python3-aiosmtpd) and an HTTP SMS
# gateway (python3 http.server), both in tests/e2e/sinks.py, started and
# stopped here. Each scenario starts from the same planned outbox and checks
# what the receiver got against what the outbox says:
#   refused    no server listening: nothing sent, everything queued to retry
#   tempfail   HTTP 503 / SMTP 451 first: retried, each message taken once
#   slow       answers late but within the time-out: each sent once
#   timeout    the first answer comes after the client's time-out: retried
#              with the same Idempotency-Key / Message-ID, so the receiver
#              sees repeats only of one message id and every message arrives
#   permfail   HTTP 400 / SMTP 550: failed at once, not retried
# Nothing is lost (every sms/email message ends sent or failed), nothing is
# sent twice except a repeat the receiver can recognise by its key.
source "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
SINKS="$TW_SRCDIR/tests/e2e/sinks.py"
[ -x "$PY" ] || fail "needs /usr/bin/python3 (scripts/install-deps.sh)"
"$PY" -c 'import aiosmtpd' 2>/dev/null || fail "needs python3-aiosmtpd (scripts/install-deps.sh)"
cd "$WORK"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start KIND NAME PORT [sinks.py options]: starts a receiver, waits (at most
# 15 s) for it to listen, sets PORT_<NAME>
start() {
  local kind=$1 name=$2 port=$3; shift 3
  rm -f "$name.port"
  "$PY" "$SINKS" "$kind" --port "$port" --port-file "$name.port" --log "$name.log" \
    --lifetime 240 "$@" &
  PIDS+=($!)
  local i
  for i in $(seq 150); do
    [ -s "$name.port" ] && break
    sleep 0.1
  done
  [ -s "$name.port" ] || fail "the $kind receiver '$name' did not listen within 15 s"
  printf -v "PORT_$name" '%s' "$(cat "$name.port")"
  : > "$name.log.touch"
}
stop_last() {
  local p=${PIDS[-1]}
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  unset 'PIDS[-1]'
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
send() { timeout 120 "$TW_BIN" outreach send "$@" > send.out 2>&1 || { cat send.out >&2; fail "send $*"; }; }
count() { sq "$1" "$2"; }

"$TW_BIN" synth --out s --applications 800 --seed 11 --quiet > /dev/null 2>&1 ||
  "$TW_BIN" synth --out s --applications 800 --seed 11 > /dev/null
"$TW_BIN" import --db base.db --quiet s/permits.csv s/border_crossings.csv s/reports.csv \
  > /dev/null 2>&1 || true
"$TW_BIN" outreach plan --db base.db --asof 2025-06-01 --since 2025-01-01 > plan.out
SMS=$(count base.db "SELECT count(*) FROM outreach_message WHERE channel='sms'")
MAIL=$(count base.db "SELECT count(*) FROM outreach_message WHERE channel='email'")
[ "$SMS" -ge 20 ] || fail "expected at least 20 sms messages in the plan, got $SMS"
[ "$MAIL" -ge 3 ] || fail "expected at least 3 e-mail messages in the plan, got $MAIL"

# log_check LOG DB CHANNEL: every message of CHANNEL in state sent was
# accepted exactly once by the receiver (2xx / 250), none not in the outbox
accepted_once() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import json, sqlite3, sys
log, db, channel = sys.argv[1:]
ok = {}
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    good = (r.get("status") == 200 and r.get("answered")) if "status" in r else r["reply"].startswith("250")
    if good:
        ok[r["id"]] = ok.get(r["id"], 0) + 1
con = sqlite3.connect(db)
sent = {i for (i,) in con.execute(
    "SELECT id FROM outreach_message WHERE channel=? AND state='sent'", (channel,))}
twice = [i for i, n in ok.items() if n > 1]
if twice: sys.exit(f"accepted more than once: {twice[:5]}")
if set(ok) != sent: sys.exit(f"receiver accepted {len(ok)}, outbox says sent {len(sent)}; "
                             f"only in receiver {sorted(set(ok)-sent)[:5]}, "
                             f"only in outbox {sorted(sent-set(ok))[:5]}")
EOF
}

# ---- HTTP: refused, then a gateway that says 503 first ------------------
cp base.db h1.db
P=$(free_port)
send --db h1.db --sink "http://127.0.0.1:$P/sms" --retry-ms 1 --timeout-ms 2000
expect_eq "$(count h1.db "SELECT count(*) FROM outreach_message WHERE state='queued' AND channel='sms' AND attempts=1 AND last_error LIKE 'HTTP:%'")" "$SMS" "refused: every sms queued again after one attempt"
expect_eq "$(count h1.db "SELECT count(*) FROM outreach_message WHERE state='sent'")" "0" "refused: nothing sent"
grep -q "0 sent, $SMS to retry" send.out || fail "refused: send said $(cat send.out)"
start http h1 "$P" --mode tempfail --every 1
send --db h1.db --sink "http://127.0.0.1:$P/sms" --retry-ms 1 --linger 60 --timeout-ms 5000
expect_eq "$(count h1.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND state='sent' AND attempts=3")" "$SMS" "tempfail: every sms sent on its third attempt"
accepted_once h1.log h1.db sms || fail "tempfail: receiver and outbox disagree"
expect_eq "$("$PY" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"]==503))' h1.log)" "$SMS" "tempfail: one 503 per message"
# what the gateway got is what the outbox holds
"$PY" - h1.log h1.db <<'EOF' || fail "http: the JSON the gateway got differs from the outbox"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[2])
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line); d = r["doc"]
    row = con.execute("SELECT worker_key, event, channel, address, language, template, subject, body "
                      "FROM outreach_message WHERE id=?", (d["message_id"],)).fetchone()
    want = dict(zip(["worker_key","event","channel","address","language","template","subject","body"], row))
    for k, v in want.items():
        assert d[k] == v, (k, d[k], v)
    assert r["key"] == f"tipwatch-outreach-{d['message_id']}", r["key"]
EOF
stop_last

# ---- HTTP: slow, within the time-out -------------------------------------
cp base.db h2.db
start http h2 0 --mode slow --every 3 --delay 0.3
send --db h2.db --sink "http://127.0.0.1:$PORT_h2/sms" --retry-ms 1 --timeout-ms 5000
expect_eq "$(count h2.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND state='sent' AND attempts=1")" "$SMS" "slow: every sms sent at the first attempt"
accepted_once h2.log h2.db sms || fail "slow: receiver and outbox disagree"
expect_eq "$(wc -l < h2.log)" "$SMS" "slow: one request per message"
stop_last

# ---- HTTP: the answer comes after the time-out ----------------------------
cp base.db h3.db
start http h3 0 --mode timeout --every 4 --delay 1.5
send --db h3.db --sink "http://127.0.0.1:$PORT_h3/sms" --retry-ms 1 --linger 60 --timeout-ms 500
expect_eq "$(count h3.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND state='sent'")" "$SMS" "timeout: every sms sent in the end"
SLOW=$(count h3.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND id % 4 = 0")
expect_eq "$(count h3.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND attempts=2")" "$SLOW" "timeout: the late ones were tried twice"
"$PY" - h3.log "$SMS" <<'EOF' || fail "timeout: a repeat the gateway cannot recognise"
import json, sys
keys = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["key"] == f"tipwatch-outreach-{r['id']}"
    keys.setdefault(r["id"], []).append(r)
assert len(keys) == int(sys.argv[2]), (len(keys), sys.argv[2])
for i, rs in keys.items():
    if len(rs) > 1:
        assert i % 4 == 0, i
        assert len({json.dumps(r["doc"], sort_keys=True) for r in rs}) == 1  # the same message
EOF
stop_last

# ---- HTTP: refused for good ----------------------------------------------
cp base.db h4.db
start http h4 0 --mode permfail --every 5
send --db h4.db --sink "http://127.0.0.1:$PORT_h4/sms" --retry-ms 1 --linger 10 --timeout-ms 5000
BAD=$(count h4.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND id % 5 = 0")
expect_eq "$(count h4.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND state='failed' AND attempts=1 AND last_error LIKE '%400%'")" "$BAD" "permfail: failed after one attempt"
expect_eq "$(count h4.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND state='sent'")" "$((SMS - BAD))" "permfail: the others sent"
accepted_once h4.log h4.db sms || fail "permfail: receiver and outbox disagree"
stop_last

# ---- SMTP: refused, then 451 first, then the content ----------------------
cp base.db m1.db
P=$(free_port)
send --db m1.db --sink "smtp://127.0.0.1:$P" --from outreach@tipwatch.test --retry-ms 1 --timeout-ms 2000
expect_eq "$(count m1.db "SELECT count(*) FROM outreach_message WHERE state='queued' AND channel='email' AND attempts=1")" "$MAIL" "smtp refused: every e-mail queued again"
expect_eq "$(count m1.db "SELECT count(*) FROM outreach_message WHERE channel='sms' AND attempts=0")" "$SMS" "smtp: an SMTP sink leaves the sms messages alone"
start smtp m1 "$P" --mode tempfail --every 1
send --db m1.db --sink "smtp://127.0.0.1:$P" --from outreach@tipwatch.test --retry-ms 1 --linger 60 --timeout-ms 5000
expect_eq "$(count m1.db "SELECT count(*) FROM outreach_message WHERE channel='email' AND state='sent' AND attempts=3")" "$MAIL" "smtp tempfail: every e-mail sent on its third attempt"
accepted_once m1.log m1.db email || fail "smtp tempfail: receiver and outbox disagree"
"$PY" - m1.log m1.db <<'EOF' || fail "smtp: the mail received differs from the outbox"
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[2])
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if not r["reply"].startswith("250"):
        continue
    addr, subject, body, lang = con.execute(
        "SELECT address, subject, body, language FROM outreach_message WHERE id=?", (r["id"],)).fetchone()
    assert r["rcpt"] == [addr], (r["rcpt"], addr)
    assert r["from"] == "outreach@tipwatch.test", r["from"]
    assert r["subject"] == subject, (r["subject"], subject)
    assert r["body"].replace("\r\n", "\n").rstrip("\n") == body, r["id"]
    assert r["language"] == lang
    n += 1
assert n > 0
EOF
stop_last

# ---- SMTP: slow, and refused for good --------------------------------------
cp base.db m2.db
start smtp m2 0 --mode slow --every 1 --delay 0.3
send --db m2.db --sink "smtp://127.0.0.1:$PORT_m2" --retry-ms 1 --timeout-ms 5000
expect_eq "$(count m2.db "SELECT count(*) FROM outreach_message WHERE channel='email' AND state='sent' AND attempts=1")" "$MAIL" "smtp slow: every e-mail sent once"
accepted_once m2.log m2.db email || fail "smtp slow: receiver and outbox disagree"
stop_last
cp base.db m3.db
start smtp m3 0 --mode permfail --every 1
send --db m3.db --sink "smtp://127.0.0.1:$PORT_m3" --retry-ms 1 --linger 5 --timeout-ms 5000
expect_eq "$(count m3.db "SELECT count(*) FROM outreach_message WHERE channel='email' AND state='failed' AND attempts=1")" "$MAIL" "smtp permfail: failed after one attempt, not retried"
stop_last

# ---- the audit log has the plan and every batch -------------------------
expect_eq "$(count m1.db "SELECT count(*) FROM audit_log WHERE action='outreach.plan'")" "1" "audit: the plan"
[ "$(count m1.db "SELECT count(*) FROM audit_log WHERE action='outreach.send'")" -ge 3 ] || fail "audit: the send batches"
"$TW_BIN" audit verify --db m1.db > /dev/null || fail "audit chain broken"

# ---- bad sinks are refused with a clear message ---------------------------
if "$TW_BIN" outreach send --db base.db --sink "ftp://x" 2> err.txt; then fail "ftp sink accepted"; fi
grep -q "is not a sink" err.txt || fail "ftp sink: $(cat err.txt)"
if "$TW_BIN" outreach send --db base.db 2> err.txt; then fail "send without a sink accepted"; fi
echo "outreach sinks: ok ($SMS sms, $MAIL e-mail messages per scenario)"
