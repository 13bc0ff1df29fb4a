#!/usr/bin/env bash
# checksrc.sh - the source checker itself fails on what it must catch: a lower
# folder including a higher one, an include without its folder, a file outside
# any folder, a folder with no layer, a banned function; and passes the tree.
set -eu
src=${TW_SRCDIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

bash "$src/scripts/checksrc.sh" "$src" > "$tmp/out" || { cat "$tmp/out"; fail "the tree itself"; }

mk() { rm -rf "$tmp/t"; mkdir -p "$tmp/t/src/base" "$tmp/t/src/engine" "$tmp/t/tests" "$tmp/t/fuzz" "$tmp/t/bench"
       printf '#include "base/b.h"\n' > "$tmp/t/src/engine/e.c"; : > "$tmp/t/src/base/b.h"; }
expect() { # expect WHAT: the checker fails and says WHAT
  if bash "$src/scripts/checksrc.sh" "$tmp/t" > "$tmp/out" 2>&1; then fail "passed: $1"; fi
  grep -q -- "$2" "$tmp/out" || { cat "$tmp/out"; fail "no message for $1"; }
}
mk; bash "$src/scripts/checksrc.sh" "$tmp/t" > /dev/null || fail "a clean tree"
mk; printf '#include "engine/e.h"\n' > "$tmp/t/src/base/b.c"; expect "include upwards" 'base/ includes "engine/e.h"'
mk; printf '#include "b.h"\n' > "$tmp/t/src/base/c.c"; expect "include without folder" 'does not name its folder'
mk; : > "$tmp/t/src/stray.c"; expect "file outside a folder" "belongs in a subsystem's folder"
mk; mkdir "$tmp/t/src/misc"; : > "$tmp/t/src/misc/m.c"; expect "unknown folder" "folder 'misc' has no place"
mk; printf 'void f(char *d){ strcpy(d, "x"); }\n' > "$tmp/t/src/base/c.c"; expect "banned function" 'banned functions'
echo "checksrc: all cases ok"
