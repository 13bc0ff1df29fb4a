# Shared helpers for the end-to-end tests (sourced, not run).
# TW_BIN: the tipwatch binary; TW_SRCDIR: the source tree.
set -euo pipefail
: "${TW_BIN:?TW_BIN must name the tipwatch binary}"
WORK=$(mktemp -d /tmp/tw-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
sq() { sqlite3 -batch -noheader "$1" "$2"; }
