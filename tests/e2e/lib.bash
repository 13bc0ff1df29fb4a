# Shared helpers for the end-to-end tests (sourced, not run).
# TW_BIN: the tipwatch binary; TW_SRCDIR: the source tree.
set -euo pipefail
: "${TW_BIN:?TW_BIN must name the tipwatch binary}"
WORK=$(mktemp -d /tmp/tw-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
sq() { sqlite3 -batch -noheader "$1" "$2"; }

# Every wait has a deadline and fails saying what it waited for (a loaded
# machine is slow, not broken: the deadlines are generous).
# wait_for SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  fail "waited ${secs} s for $what"
}
# wait_listening PID OUT ERR [SECONDS]: until `serve` (PID) prints that it
# listens in OUT; fails at once when it exits, with ERR's last lines.
wait_listening() {
  local pid=$1 out=$2 err=$3 secs=${4:-120} i
  for ((i = 0; i < secs * 10; i++)); do
    grep -q '^serve: listening on' "$out" 2> /dev/null && return 0
    kill -0 "$pid" 2> /dev/null || fail "serve exited before listening: $(tail -5 "$err")"
    sleep 0.1
  done
  fail "waited ${secs} s for serve (pid $pid) to listen: $(tail -5 "$err")"
}
# stop_server PID [SECONDS]: SIGTERM, then waits for the exit; its status in
# STOP_RC. Past the deadline the process is killed and the test fails.
stop_server() {
  local pid=$1 secs=${2:-60} i
  kill -TERM "$pid" 2> /dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    if ! kill -0 "$pid" 2> /dev/null; then
      STOP_RC=0
      wait "$pid" || STOP_RC=$?
      return 0
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2> /dev/null || true
  fail "waited ${secs} s for pid $pid to exit after SIGTERM"
}
# bounded SECONDS WHAT CMD...: runs CMD with a deadline (timeout(1)); past it,
# fails naming WHAT. Otherwise returns CMD's status.
bounded() {
  local secs=$1 what=$2 rc=0
  shift 2
  timeout -k 10 "$secs" "$@" || rc=$?
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && fail "waited ${secs} s for $what"
  return "$rc"
}
