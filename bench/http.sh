#!/usr/bin/env bash
# HTTP load benchmark: `tipwatch serve` on loopback under wrk, on the two
# endpoints the permit portal and the analysts hit most: POST /api/v1/score
# (one application, as the portal sends it, dry run and stored) and GET
# /api/v1/alerts (a page of 50, bearer token, audited). Each is run paced at
# about 1,000 requests/s (10 connections, each waiting 10 ms after an
# answer: wrk has no fixed-rate mode, so the rate achieved is reported) and
# flat out. The peer, in the same run: nginx (Debian's nginx-light) serving
# the very bytes of the alert page as a static file over the same loopback,
# which is the cost of HTTP alone. Writes its section of bench/RESULTS.md
# (replacing an earlier one; bench/run.sh rewrites the rest).
# Usage: bench/http.sh path/to/tipwatch  (BENCH_HTTP_APPS=100000,
# BENCH_HTTP_SECONDS=20 by default)
set -euo pipefail
bin=$(readlink -f "$1")
apps=${BENCH_HTTP_APPS:-100000}
secs=${BENCH_HTTP_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
for t in wrk nginx node sqlite3; do
  command -v "$t" > /dev/null || [ -x "/usr/sbin/$t" ] ||
    { echo "bench/http.sh: $t is needed (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d /tmp/tw-bench-http-XXXXXX)
srv=
ngx=
cleanup() {
  [ -n "$srv" ] && kill -TERM "$srv" 2> /dev/null && wait "$srv" 2> /dev/null
  [ -n "$ngx" ] && kill -QUIT "$ngx" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work" # nginx's workers (www-data) read the peer's file here
cd "$work"

echo "bench/http: a register of $apps applications (synth, import, screen)"
"$bin" synth --out reg --applications "$apps" --seed 3 > /dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$bin" import --db tw.db --progress none --quiet "reg/$f.csv" > /dev/null
done
"$bin" screen --db tw.db --quiet
alerts=$(sqlite3 tw.db "SELECT count(*) FROM alert")
printf 'bench-password-1234\n' |
  "$bin" user add bench --org MCS --role analyst --password-stdin --db tw.db > /dev/null
token=$("$bin" token create bench --db tw.db | tail -1)

# 200 applications of the register as the portal would post them (JSON
# objects of the permits columns), dry runs: the same application again
# and again changes nothing; stored: each id made new (WP-BENCH-n)
node - reg/permits.csv > bodies.json << 'JS'
const fs = require('fs');
const text = fs.readFileSync(process.argv[2], 'utf8');
function* rows(s) {
  let row = [], f = '', q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '"' && s[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n') { row.push(f); yield row; row = []; f = ''; }
    else if (c !== '\r') f += c;
  }
}
const it = rows(text);
const head = it.next().value;
const out = [];
for (const r of it) {
  if (out.length === 200) break;
  if (r.length !== head.length) continue;
  const o = {};
  head.forEach((h, i) => { if (r[i] !== '') o[h] = r[i]; });
  if (o.decision !== 'pending' && o.decision !== 'approved') continue;
  out.push(JSON.stringify(o));
}
console.log(JSON.stringify(out));
JS
cat > req.lua << 'LUA'
-- wrk: POST /api/v1/score with the bodies in turn; PACE ms after each answer
dofile("bodies.lua")
local n, pace, path, fresh = 0, tonumber(os.getenv("PACE") or "0"),
  os.getenv("TW_PATH"), os.getenv("FRESH") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TW_TOKEN")
local seq = 0
function setup(thread) seq = seq + 1; thread:set("tid", seq) end
function request()
  n = n + 1
  local b = bodies[(n % #bodies) + 1]
  if fresh then
    -- a new application of a new worker (the same person under a new id
    -- each time would grow one worker's history without end)
    b = b:gsub('"application_id":"[^"]*"', '"application_id":"WP-BENCH-' .. tid .. '-' .. n .. '"')
    b = b:gsub('"worker_doc_no":"[^"]*"', '"worker_doc_no":"BX' .. tid .. string.format("%07d", n) .. '"')
  end
  return wrk.format(nil, path, nil, b)
end
function delay() return pace end
LUA
cat > get.lua << 'LUA'
local pace = tonumber(os.getenv("PACE") or "0")
local tok = os.getenv("TW_TOKEN")
if tok and tok ~= "" then wrk.headers["Authorization"] = "Bearer " .. tok end
function delay() return pace end
LUA

"$bin" serve --db tw.db --listen 127.0.0.1:0 --threads 2 --quiet --index-check 3600 \
  > serve.out 2> serve.err &
srv=$!
for _ in $(seq 600); do
  grep -q 'listening on' serve.out 2> /dev/null && break
  sleep 0.1
done
base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' serve.out)
[ -n "$base" ] || { cat serve.err >&2; exit 1; }
# the warm index: the first score waits for it (503 + Retry-After until then)
for _ in $(seq 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data '{}' "$base/api/v1/score?dry_run=true" || true)
  [ "$code" != 503 ] && break
  sleep 0.2
done

# keep the bodies the server takes (synth writes some bad rows on purpose)
node - "$base" "$token" << 'JS' > bodies.lua
const fs = require('fs');
const bodies = JSON.parse(fs.readFileSync('bodies.json', 'utf8'));
(async () => {
  const ok = [];
  // the scoring index may still be loading (503) on a loaded machine: each
  // body waits for it, up to 10 minutes in all
  const deadline = Date.now() + 600000;
  for (const b of bodies) {
    let r;
    for (;;) {
      r = await fetch(process.argv[2] + '/api/v1/score?dry_run=true', {
        method: 'POST', body: b,
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + process.argv[3] } });
      await r.text();
      if (r.status !== 503 || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    if (r.status === 200) ok.push(b);
  }
  const lua = (s) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  console.log('bodies = {' + ok.map(lua).join(',\n') + '}');
  console.error(`bench/http: ${ok.length} of ${bodies.length} bodies accepted`);
})();
JS
curl -s -H "Authorization: Bearer $token" "$base/api/v1/alerts?limit=50" > page.json
page_bytes=$(stat -c %s page.json)
mkdir -p www
cp page.json www/alerts.json
cat > nginx.conf << NGX
daemon off;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  server {
    listen 127.0.0.1:0;
    root $work/www;
    location / { default_type application/json; }
  }
}
NGX
# nginx cannot listen on port 0: find a free port
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
sed -i "s/listen 127.0.0.1:0;/listen 127.0.0.1:$port;/" nginx.conf
mkdir -p tmp
"$NGINX" -c "$work/nginx.conf" -p "$work" &
ngx=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/alerts.json" && break
  sleep 0.1
done

results=()
run() { # LABEL PACE CONNECTIONS SCRIPT URL [env...]
  local label=$1 pace=$2 conns=$3 script=$4 url=$5
  shift 5
  env PACE="$pace" TW_TOKEN="$token" "$@" wrk -t2 -c"$conns" -d"${secs}s" --latency \
    -s "$script" "$url" > wrk.out 2>&1 || { cat wrk.out >&2; exit 1; }
  local rps p50 p90 p99 non2xx errs
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' wrk.out)
  p50=$(awk '$1 == "50%" {print $2}' wrk.out)
  p90=$(awk '$1 == "90%" {print $2}' wrk.out)
  p99=$(awk '$1 == "99%" {print $2}' wrk.out)
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' wrk.out)
  errs=$(awk '/Socket errors/ {print $0}' wrk.out | sed 's/^ *//')
  echo "bench/http: $label: $rps req/s, p50 $p50, p90 $p90, p99 $p99${non2xx:+, $non2xx non-2xx}${errs:+, $errs}"
  results+=("| $label | $conns | $rps | $p50 | $p90 | $p99 | ${non2xx:-0} |")
}

echo "bench/http: $secs s per run, wrk 2 threads"
run "score, dry run, paced" 10 10 req.lua "$base" TW_PATH="/api/v1/score?dry_run=true"
run "alert list (50, audited), paced" 10 10 get.lua "$base/api/v1/alerts?limit=50"
run "peer: nginx, the same page as a file, paced" 10 10 get.lua \
  "http://127.0.0.1:$port/alerts.json"
run "score, dry run, flat out" 0 8 req.lua "$base" TW_PATH="/api/v1/score?dry_run=true"
run "alert list (50, audited), flat out" 0 8 get.lua "$base/api/v1/alerts?limit=50"
run "peer: nginx, the same page as a file, flat out" 0 8 get.lua \
  "http://127.0.0.1:$port/alerts.json"
# last: it adds thousands of applications (and their alerts) to the register
run "score, stored (new application each), paced" 10 10 req.lua "$base" \
  TW_PATH="/api/v1/score" FRESH=1
wal=$(stat -c %s tw.db-wal 2> /dev/null || echo 0)
stored=$(sqlite3 tw.db "SELECT count(*) FROM permit WHERE row_key LIKE 'WP-BENCH-%'")
audit=$(sqlite3 tw.db "SELECT count(*) FROM audit_log")
kill -TERM "$srv"
wait "$srv" || { echo "bench/http: serve did not stop cleanly" >&2; exit 1; }
srv=

section=$(cat << MD
<!-- bench/http.sh begin -->
## HTTP API under load

Written by \`make bench-http\` (bench/http.sh) on $(date -u +%Y-%m-%d); one
run on this machine ($(nproc) cores), loopback only. A register of $apps
synthetic applications, imported and screened ($alerts alerts);
\`tipwatch serve --threads 2\`; wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') with 2 threads,
$secs s per row, bearer token of an analyst. "Paced": 10 connections, each
waiting 10 ms after an answer before its next request (wrk has no fixed-rate
mode), about 1,000 requests/s offered; "flat out": 8 connections, no wait.
Score bodies: 200 applications of the register as JSON, in turn; "stored"
gives each a new application id and a new worker document number, so every
request stores a new application of a new worker (a one-row batch, its
alert and the audit entry) with an existing employer, and moves the store
(the warm index reloads at most every 4 load-lengths). The alert page is
$page_bytes bytes; the peer is nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') serving those bytes from a file
on the same loopback: the cost of HTTP alone.

| run | connections | req/s | p50 | p90 | p99 | non-2xx |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${results[@]}")

Target: p99 <= 10 ms at 1,000 requests/s on both endpoints. $stored
applications were stored by the stored run (the last row, so that the
others measure the register as imported); the audit log holds $audit
entries (every alert list and every score is one); the WAL was
$((wal / 1048576)) MiB at the end.
<!-- bench/http.sh end -->
MD
)
res="$here/RESULTS.md"
touch "$res"
awk '/<!-- bench\/http.sh begin -->/ {skip = 1} !skip {print} /<!-- bench\/http.sh end -->/ {skip = 0}' \
  "$res" > "$res.new"
# no blank line left at the end before the new section
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$res.new"
{ cat "$res.new"; echo; printf '%s\n' "$section"; } > "$res"
rm -f "$res.new"
printf '%s\n' "$section"
