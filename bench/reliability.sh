#!/usr/bin/env bash
# Reliability figures (issue: hardening), each written into its own section
# of bench/RESULTS.md with the real durations and counts of the run:
#
#   fuzz   every libFuzzer target (fuzz/fuzz_*.c: the CSV reader, the import,
#          mapping files, the config, the key file, the request's small
#          parsers, the HTTP request path) for FUZZ_SECS each (default 3600);
#          a finding stops the run (fuzz/findings/)
#   kill9  `kill -9` at KILL_POINTS random points (default 50) of an import, a
#          screening, a key rotation and a server under write load; after
#          each: PRAGMA integrity_check, the audit chain, and what was
#          acknowledged or committed is there (details in each check below)
#   soak   `tipwatch serve` under wrk at the HTTP benchmark's paced rate (10
#          connections, 10 ms between answers) for SOAK_SECS (default 3600)
#          on the audited alert list, in 60 s segments: memory (RSS), WAL
#          size and p99 of each segment
#   load   the release test suite (ctest) beside a CPU-bound load
#          (stress-ng --cpu on every core) for as long as it takes
#
# Usage: bench/reliability.sh path/to/tipwatch [fuzz|kill9|soak|load|all]...
# (make reliability runs all with the full lengths; make reliability-short
# with minutes instead of hours). Needs scripts/install-deps.sh --reliability.
set -euo pipefail
bin=$(readlink -f "$1")
shift
[ $# -gt 0 ] || set -- all
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
results="$here/RESULTS.md"
FUZZ_SECS=${FUZZ_SECS:-3600}
KILL_POINTS=${KILL_POINTS:-50}
SOAK_SECS=${SOAK_SECS:-3600}
BUILD=${BUILD:-$(dirname "$bin")}
work=$(mktemp -d /tmp/tw-reliability-XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "reliability: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
sq() { sqlite3 -batch -noheader -cmd '.timeout 30000' "$1" "$2"; }
rnd() { # a random whole number in [0, $1)
  od -An -N4 -tu4 /dev/urandom | awk -v m="$1" '{ print $1 % m }'
}

# Replaces the section NAME of RESULTS.md (between its markers) with FILE.
write_section() {
  local name=$1 file=$2 begin="<!-- reliability:$1 -->" end="<!-- /reliability:$1 -->"
  # two parts may run at once: one writer at a time
  exec 9> "$work/../tw-reliability-results.lock"
  flock 9
  grep -q "^## Reliability" "$results" ||
    printf '\n## Reliability\n\nWritten by `bench/reliability.sh` (make reliability); each part below\nis replaced by its own next run.\n' >> "$results"
  if grep -qF "$begin" "$results"; then
    awk -v b="$begin" -v e="$end" -v f="$file" '
      $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$results" > "$work/results.new"
    mv "$work/results.new" "$results"
  else
    { echo; echo "$begin"; cat "$file"; echo "$end"; } >> "$results"
  fi
  flock -u 9
}

# Waits (at most 120 s) for a server to print that it listens; its URL.
listening() { # PID OUT
  local i
  for ((i = 0; i < 1200; i++)); do
    grep -q '^serve: listening on' "$2" 2> /dev/null && {
      sed -n 's|^serve: listening on \(http://.*\)$|\1|p' "$2"
      return 0
    }
    kill -0 "$1" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---- fuzz ----------------------------------------------------------------
do_fuzz() {
  local fb="$src/build-fuzz" out="$work/fuzz.md" f name t0 t1 log execs cov
  say "fuzz: building the libFuzzer targets (clang, ASan + UBSan)"
  cmake -S "$src" -B "$fb" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DTW_FUZZ=ON -DTW_TESTS=OFF > /dev/null
  ninja -C "$fb" > /dev/null
  {
    echo "### Fuzzing (libFuzzer, ASan + UBSan)"
    echo
    echo "$(date -u +%F): each target for ${FUZZ_SECS} s on this 2-core machine shared with other work;"
    echo "the corpora in fuzz/corpus/ are replayed by CTest (fuzz_replay_*). Full length:"
    echo "\`FUZZ_SECS=3600 bench/reliability.sh build/tipwatch fuzz\` (an hour per target)."
    echo
    echo "| target | seconds | executions | exec/s | coverage (edges) | corpus | findings |"
    echo "|---|---|---|---|---|---|---|"
  } > "$out"
  mkdir -p "$src/fuzz/findings"
  for f in "$fb"/fuzz_*; do
    [ -x "$f" ] || continue
    name=${f##*/fuzz_}
    mkdir -p "$fb/corpus/$name"
    say "fuzz: $name for ${FUZZ_SECS} s"
    log="$work/fuzz-$name.log"
    t0=$(now)
    if ! timeout -k 30 $((FUZZ_SECS + 300)) "$f" -max_total_time="$FUZZ_SECS" -timeout=60 -print_final_stats=1 \
        -artifact_prefix="$src/fuzz/findings/$name-" "$fb/corpus/$name" "$src/fuzz/corpus/$name" \
        > "$log" 2>&1; then
      tail -40 "$log" >&2
      echo "| $name | $(ms "$t0" "$(now)" | awk '{printf "%d", $1/1000}') | | | | | **a finding: see fuzz/findings/** |" >> "$out"
      write_section fuzz "$out"
      die "fuzz: $name found a problem (fuzz/findings/$name-*)"
    fi
    t1=$(now)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1) || true
    [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#') || true
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}') || true
    echo "| $name | $(ms "$t0" "$t1" | awk '{printf "%d", $1/1000}') | ${execs:-?} | $(awk -v e="${execs:-0}" -v s="$(ms "$t0" "$t1")" 'BEGIN { printf "%d", s ? e * 1000 / s : 0 }') | ${cov:-?} | $(find "$fb/corpus/$name" -type f | wc -l) | none |" >> "$out"
  done
  write_section fuzz "$out"
}

# ---- kill -9 ---------------------------------------------------------------
# A register of 20,000 applications, imported clean once (the reference).
kill_setup() {
  [ -f "$work/ref/clean.db" ] && return 0
  mkdir -p "$work/ref"
  say "kill9: a register of 20,000 applications and its clean import and screening"
  "$bin" synth --out "$work/ref/reg" --applications 20000 --seed 11 > /dev/null
  local t0
  t0=$(now)
  "$bin" import --db "$work/ref/clean.db" --progress none --quiet "$work/ref/reg/permits.csv"
  import_ms=$(ms "$t0" "$(now)")
  for f in border_crossings inspections reports outcomes; do
    "$bin" import --db "$work/ref/clean.db" --progress none --quiet "$work/ref/reg/$f.csv"
  done
  cp "$work/ref/clean.db" "$work/ref/imported.db"
  t0=$(now)
  "$bin" screen --db "$work/ref/clean.db" --quiet
  screen_ms=$(ms "$t0" "$(now)")
}

rows_digest() { # DB: the permit rows, as a digest
  sq "$1" "SELECT group_concat(row_key||':'||version||':'||content_hash, ',') FROM
           (SELECT * FROM permit ORDER BY row_key, version)" | md5sum | cut -d' ' -f1
}
alerts_digest() { # DB: the alerts a screening leaves, as a digest
  sq "$1" "SELECT group_concat(entity_type||'|'||entity_key||'|'||level||'|'||printf('%.2f', score), ',')
           FROM (SELECT * FROM alert ORDER BY entity_type, entity_key)" | md5sum | cut -d' ' -f1
}
audit_ok() { # DB
  "$bin" audit verify --db "$1" > "$work/verify.out" 2>&1 && grep -q 'chain intact' "$work/verify.out"
}

kill_import() {
  local i d pid delay ok=0 hit=0 clean
  clean=$(rows_digest "$work/ref/clean.db")
  for ((i = 0; i < KILL_POINTS; i++)); do
    d="$work/ki"
    rm -rf "$d" && mkdir -p "$d"
    delay=$(rnd "$((import_ms + 50))")
    "$bin" import --db "$d/t.db" --progress none --quiet --batch-rows 500 \
      "$work/ref/reg/permits.csv" > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2> /dev/null && hit=$((hit + 1))
    wait "$pid" 2> /dev/null || true
    [ -f "$d/t.db" ] || { ok=$((ok + 1)); continue; } # killed before the store existed
    [ "$(sq "$d/t.db" 'PRAGMA integrity_check')" = ok ] || die "import, kill at ${delay} ms: integrity"
    "$bin" import --db "$d/t.db" --progress none --quiet "$work/ref/reg/permits.csv" > /dev/null ||
      die "import, kill at ${delay} ms: the re-run failed"
    [ "$(rows_digest "$d/t.db")" = "$clean" ] || die "import, kill at ${delay} ms: rows differ from a clean import"
    [ "$(sq "$d/t.db" "SELECT count(*) FROM import_batch WHERE status = 'running'")" = 0 ] ||
      die "import, kill at ${delay} ms: a batch still says running"
    ok=$((ok + 1))
  done
  echo "| import of 20,000 permits (batches of 500) | $KILL_POINTS | $hit | 0..$((import_ms + 50)) ms | $ok | integrity ok; the re-run gives the rows of a clean import; no batch left running |"
}

kill_screen() {
  local i d pid delay ok=0 hit=0 clean
  clean=$(alerts_digest "$work/ref/clean.db")
  for ((i = 0; i < KILL_POINTS; i++)); do
    d="$work/ks"
    rm -rf "$d" && mkdir -p "$d"
    cp "$work/ref/imported.db" "$d/t.db"
    delay=$(rnd "$((screen_ms + 50))")
    "$bin" screen --db "$d/t.db" --quiet > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2> /dev/null && hit=$((hit + 1))
    wait "$pid" 2> /dev/null || true
    [ "$(sq "$d/t.db" 'PRAGMA integrity_check')" = ok ] || die "screen, kill at ${delay} ms: integrity"
    "$bin" screen --db "$d/t.db" --quiet > /dev/null || die "screen, kill at ${delay} ms: the re-run failed"
    [ "$(alerts_digest "$d/t.db")" = "$clean" ] || die "screen, kill at ${delay} ms: alerts differ from a clean screening"
    ok=$((ok + 1))
  done
  echo "| screening of the same register | $KILL_POINTS | $hit | 0..$((screen_ms + 50)) ms | $ok | integrity ok; the re-run gives the alerts of a clean screening |"
}

kill_rotate() {
  local i d pid delay ok=0 hit=0 t0 rot_ms n
  say "kill9: a store with NRM cases (tipwatch demo) for the rotations"
  "$bin" demo --dir "$work/kr0" --applications 2000 --seed 5 --no-serve > /dev/null
  n=$(sq "$work/kr0/tipwatch.db" "SELECT count(*) FROM nrm_case")
  cp -r "$work/kr0" "$work/kr1"
  t0=$(now)
  "$bin" keys rotate --db "$work/kr1/tipwatch.db" > /dev/null
  rot_ms=$(ms "$t0" "$(now)")
  for ((i = 0; i < KILL_POINTS; i++)); do
    d="$work/kr"
    rm -rf "$d" && cp -r "$work/kr0" "$d"
    delay=$(rnd "$((rot_ms + 20))")
    "$bin" keys rotate --db "$d/tipwatch.db" > /dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2> /dev/null && hit=$((hit + 1))
    wait "$pid" 2> /dev/null || true
    [ "$(sq "$d/tipwatch.db" 'PRAGMA integrity_check')" = ok ] || die "rotate, kill at ${delay} ms: integrity"
    audit_ok "$d/tipwatch.db" || die "rotate, kill at ${delay} ms: audit chain: $(cat "$work/verify.out")"
    # every sealed value opens with the key file as the kill left it: the
    # status finds no value under a key the file lacks, and a rotation
    # (which opens every value) goes through
    "$bin" keys status --db "$d/tipwatch.db" > "$work/status.out" 2>&1 ||
      die "rotate, kill at ${delay} ms: keys status: $(cat "$work/status.out")"
    if grep -q MISSING "$work/status.out"; then die "rotate, kill at ${delay} ms: $(cat "$work/status.out")"; fi
    "$bin" keys rotate --db "$d/tipwatch.db" > "$work/rot.out" 2>&1 ||
      die "rotate, kill at ${delay} ms: the next rotation: $(cat "$work/rot.out")"
    ok=$((ok + 1))
  done
  echo "| key rotation of a store with $n cases | $KILL_POINTS | $hit | 0..$((rot_ms + 20)) ms | $ok | integrity ok; audit chain intact; every sealed value under a key of the file; the next rotation opens all |"
}

kill_server() {
  local i k d pid delay ok=0 hit=0 base token acked stored lost client
  for ((i = 0; i < KILL_POINTS; i++)); do
    d="$work/kv"
    rm -rf "$d" && mkdir -p "$d"
    cp "$work/ref/clean.db" "$d/t.db"
    printf 'reliability-password-1\n' |
      "$bin" user add rel --org MCS --role analyst --password-stdin --db "$d/t.db" > /dev/null
    token=$("$bin" token create rel --db "$d/t.db" | tail -1)
    "$bin" serve --db "$d/t.db" --listen 127.0.0.1:0 --threads 2 --quiet > "$d/serve.out" 2> "$d/serve.err" &
    pid=$!
    pids+=("$pid")
    base=$(listening "$pid" "$d/serve.out") || die "server: did not listen: $(tail -3 "$d/serve.err")"
    # four writers: stored applications (POST /api/v1/score) with new ids;
    # an id is written to acked only after its 200
    node - "$base" "$token" "$d/acked" "$work/ref/reg/permits.csv" > /dev/null 2>&1 << 'JS' &
const fs = require('fs');
const [base, token, acked, csv] = process.argv.slice(2);
const lines = fs.readFileSync(csv, 'utf8').split('\n');
const head = lines[0].split(',');
const hdr = { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token };
let tmpl = null;
let n = 0;
async function pick() { // the first row the server takes (synth writes bad ones on purpose)
  for (let k = 1; k < lines.length && k < 400; k++) {
    if (lines[k].includes('"')) continue;
    const r = lines[k].split(',');
    if (r.length !== head.length) continue;
    const o = {};
    head.forEach((h, i) => { if (r[i] !== '') o[h] = r[i]; });
    delete o.previous_application_id;
    o.decision = 'pending';
    for (let t = 0; t < 600; t++) { // the warm index: 503 until it is loaded
      const res = await fetch(base + '/api/v1/score?dry_run=true', { method: 'POST', body: JSON.stringify(o), headers: hdr });
      await res.text();
      if (res.status === 503) { await new Promise((z) => setTimeout(z, 100)); continue; }
      if (res.status === 200) return o;
      break;
    }
  }
  throw new Error('no row of the register is taken');
}
async function writer(w) {
  for (;;) {
    const id = `WP-KILL-${w}-${n++}`;
    const body = { ...tmpl, application_id: id, worker_doc_no: `K${w}${String(n).padStart(7, '0')}` };
    try {
      const res = await fetch(base + '/api/v1/score', { method: 'POST', body: JSON.stringify(body), headers: hdr });
      await res.text();
      if (res.status === 200) fs.appendFileSync(acked, id + '\n');
    } catch (e) { return; }
  }
}
pick().then((o) => { tmpl = o; fs.writeFileSync(acked + '.ready', ''); return Promise.all([0, 1, 2, 3].map(writer)); });
JS
    client=$!
    pids+=("$client")
    for ((k = 0; k < 1200; k++)); do
      [ -e "$d/acked.ready" ] && break
      sleep 0.1
    done
    [ -e "$d/acked.ready" ] || die "server: the writers found no row the server takes"
    delay=$((500 + $(rnd 2500)))
    sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2> /dev/null && hit=$((hit + 1))
    wait "$pid" 2> /dev/null || true
    sleep 0.3
    kill -KILL "$client" 2> /dev/null || true
    wait "$client" 2> /dev/null || true
    [ "$(sq "$d/t.db" 'PRAGMA integrity_check')" = ok ] || die "server, kill at ${delay} ms: integrity"
    audit_ok "$d/t.db" || die "server, kill at ${delay} ms: audit chain: $(cat "$work/verify.out")"
    acked=0
    lost=0
    if [ -s "$d/acked" ]; then
      acked=$(wc -l < "$d/acked")
      sort -u "$d/acked" > "$d/acked.sorted"
      sq "$d/t.db" "SELECT row_key FROM permit WHERE row_key LIKE 'WP-KILL-%'" | sort -u > "$d/stored"
      lost=$(comm -23 "$d/acked.sorted" "$d/stored" | wc -l)
    fi
    [ "$lost" -eq 0 ] || die "server, kill at ${delay} ms: $lost acknowledged applications are not in the store"
    stored=$(sq "$d/t.db" "SELECT count(*) FROM permit WHERE row_key LIKE 'WP-KILL-%'")
    echo "$acked $stored" >> "$work/server-acks"
    ok=$((ok + 1))
  done
  local ta ts
  ta=$(awk '{ s += $1 } END { print s + 0 }' "$work/server-acks")
  ts=$(awk '{ s += $2 } END { print s + 0 }' "$work/server-acks")
  echo "| server under write load (4 clients storing applications) | $KILL_POINTS | $hit | 500..3000 ms | $ok | integrity ok; audit chain intact; all $ta acknowledged applications stored ($ts stored: a write may commit and be killed before its answer) |"
}

do_kill9() {
  local out="$work/kill9.md" t0
  t0=$(now)
  kill_setup
  {
    echo "### kill -9 at random points"
    echo
    echo "$(date -u +%F): $KILL_POINTS random points per scenario (a uniform delay after the start,"
    echo "over the operation's measured length: import $import_ms ms, screening $screen_ms ms)."
    echo "Full length: \`KILL_POINTS=50 bench/reliability.sh build/tipwatch kill9\`."
    echo
    echo "| operation | kills | landed (process alive) | kill point | checks passed | checked after each |"
    echo "|---|---|---|---|---|---|"
  } > "$out"
  say "kill9: import"
  kill_import >> "$out"
  say "kill9: screening"
  kill_screen >> "$out"
  say "kill9: key rotation"
  kill_rotate >> "$out"
  say "kill9: server under write load"
  kill_server >> "$out"
  echo >> "$out"
  echo "Total time: $(ms "$t0" "$(now)" | awk '{printf "%d", $1/1000}') s." >> "$out"
  write_section kill9 "$out"
}

# ---- soak ------------------------------------------------------------------
do_soak() {
  local out="$work/soak.md" d="$work/soak" pid base token seg nseg rss="" wal p50 p99 rps t0 errs
  local first_rss=""
  mkdir -p "$d"
  say "soak: a register of 20,000 applications"
  "$bin" synth --out "$d/reg" --applications 20000 --seed 13 > /dev/null
  for f in permits border_crossings inspections reports outcomes; do
    "$bin" import --db "$d/t.db" --progress none --quiet "$d/reg/$f.csv"
  done
  "$bin" screen --db "$d/t.db" --quiet
  printf 'soak-password-12345\n' |
    "$bin" user add soak --org MCS --role analyst --password-stdin --db "$d/t.db" > /dev/null
  token=$("$bin" token create soak --db "$d/t.db" | tail -1)
  "$bin" serve --db "$d/t.db" --listen 127.0.0.1:0 --threads 2 --quiet > "$d/serve.out" 2> "$d/serve.err" &
  pid=$!
  pids+=("$pid")
  base=$(listening "$pid" "$d/serve.out") || die "soak: serve did not listen"
  cat > "$d/get.lua" << 'LUA'
local pace = tonumber(os.getenv("PACE") or "0")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TW_TOKEN")
function delay() return pace end
LUA
  nseg=$(((SOAK_SECS + 59) / 60))
  {
    echo "### Soak: the audited alert list, paced, for ${SOAK_SECS} s"
    echo
    echo "$(date -u +%F): wrk, 10 connections each waiting 10 ms after an answer (the HTTP"
    echo "benchmark's paced rate), GET /api/v1/alerts?limit=50 with a bearer token (every"
    echo "request writes an audit entry), 60 s segments, on a register of 20,000 applications."
    echo "RSS of \`tipwatch serve\` and the -wal file's size after each segment. Full length:"
    echo "\`SOAK_SECS=3600 bench/reliability.sh build/tipwatch soak\`."
    echo
    echo "| segment | req/s | p50 | p99 | errors | RSS (MiB) | WAL (MiB) |"
    echo "|---|---|---|---|---|---|---|"
  } > "$out"
  t0=$(now)
  for ((seg = 1; seg <= nseg; seg++)); do
    local secs=60
    [ "$seg" -eq "$nseg" ] && secs=$((SOAK_SECS - 60 * (nseg - 1)))
    env PACE=10 TW_TOKEN="$token" wrk -t2 -c10 -d"${secs}s" --latency -s "$d/get.lua" \
      "$base/api/v1/alerts?limit=50" > "$d/wrk.out" 2>&1 || die "soak: wrk: $(cat "$d/wrk.out")"
    kill -0 "$pid" 2> /dev/null || die "soak: the server died in segment $seg: $(tail -5 "$d/serve.err")"
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$d/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$d/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$d/wrk.out")
    errs=$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print "socket:" $0}' "$d/wrk.out" | tr '\n' ' ')
    rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
    wal=$(stat -c %s "$d/t.db-wal" 2> /dev/null | awk '{printf "%.1f", $1 / 1048576}')
    [ -n "$first_rss" ] || first_rss=$rss
    echo "| $seg | $rps | $p50 | $p99 | ${errs:-0} | $rss | ${wal:-0} |" >> "$out"
    say "soak: segment $seg/$nseg: $rps req/s, p99 $p99, RSS $rss MiB, WAL ${wal:-0} MiB"
  done
  kill -TERM "$pid"
  wait "$pid" || true
  {
    echo
    echo "Ran $(ms "$t0" "$(now)" | awk '{printf "%d", $1/1000}') s; RSS from $first_rss to $rss MiB;"
    echo "audit entries written: $(sq "$d/t.db" "SELECT count(*) FROM audit_log WHERE action = 'alert.list'")."
  } >> "$out"
  audit_ok "$d/t.db" || die "soak: audit chain: $(cat "$work/verify.out")"
  write_section soak "$out"
}

# ---- the test suite beside a CPU-bound load -----------------------------------
do_load() {
  local out="$work/load.md" t0 rc=0 cores stress
  cores=$(nproc)
  say "load: stress-ng --cpu $cores beside ctest -j2 in $BUILD"
  stress-ng --cpu "$cores" --timeout 7200s --quiet &
  stress=$!
  pids+=("$stress")
  t0=$(now)
  (cd "$BUILD" && ctest -j2 --output-on-failure ${LOAD_TESTS:+-R "$LOAD_TESTS"} \
    > "$work/ctest-load.log" 2>&1) || rc=$?
  cp "$work/ctest-load.log" "$BUILD/ctest-load.log" # the whole output, kept
  local secs
  secs=$(ms "$t0" "$(now)" | awk '{printf "%d", $1/1000}')
  kill -TERM "$stress" 2> /dev/null || true
  wait "$stress" 2> /dev/null || true
  local summary
  summary=$(grep -E 'tests passed|tests failed' "$work/ctest-load.log" | tail -1)
  {
    echo "### The test suite beside a CPU-bound load"
    echo
    echo "$(date -u +%F): \`stress-ng --cpu $cores\` (every core busy) while \`ctest -j2\` ran the"
    echo "release build's suite${LOAD_TESTS:+ (tests matching $LOAD_TESTS)}: $summary, in $secs s."
    [ "$rc" -eq 0 ] || { echo; echo "Failed:"; echo; grep -E '^\s+[0-9]+ - ' "$work/ctest-load.log" | sed 's/^/    /'; }
  } > "$out"
  write_section load "$out"
  [ "$rc" -eq 0 ] || { tail -60 "$work/ctest-load.log" >&2; die "load: the suite failed beside stress-ng"; }
}

for what in "$@"; do
  case $what in
    fuzz) do_fuzz ;;
    kill9) do_kill9 ;;
    soak) do_soak ;;
    load) do_load ;;
    all) do_load; do_kill9; do_fuzz; do_soak ;;
    *) die "unknown part '$what' (fuzz, kill9, soak, load, all)" ;;
  esac
done
say "done"
