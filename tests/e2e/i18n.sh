#!/usr/bin/env bash
# The web UI's translation catalogues: every key in hy, ru and en, every
# key the code uses in a catalogue, parameters and plural forms agree
# (tests/i18n/check-catalogues.mjs). A copy of the catalogues with one key
# removed must fail it, so the check cannot pass by checking nothing.
. "$(dirname "$0")/lib.bash"
SRC=${TW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v node > /dev/null || fail "node is needed (scripts/install-deps.sh installs nodejs)"
node "$SRC/tests/i18n/check-catalogues.mjs" "$SRC/web" || fail "the catalogues disagree"

# the checker fails when a key is missing from one catalogue
mkdir -p "$WORK/web"
cp -r "$SRC/web/js" "$SRC/web/i18n" "$WORK/web/"
node -e '
const fs = require("fs"); const p = process.argv[1];
const c = JSON.parse(fs.readFileSync(p, "utf8")); delete c["queue.title"];
fs.writeFileSync(p, JSON.stringify(c));' "$WORK/web/i18n/ru.json"
if node "$SRC/tests/i18n/check-catalogues.mjs" "$WORK/web" > "$WORK/out" 2>&1; then
  fail "a key missing from ru.json was not noticed"
fi
grep -q 'ru.json: no key "queue.title"' "$WORK/out" || fail "the missing key is not named: $(cat "$WORK/out")"

# ... and when the code uses a key no catalogue has
cp "$SRC/web/i18n/ru.json" "$WORK/web/i18n/ru.json"
printf "export const x = () => t('queue.no_such_key');\n" > "$WORK/web/js/extra.js"
if node "$SRC/tests/i18n/check-catalogues.mjs" "$WORK/web" > "$WORK/out" 2>&1; then
  fail "a key the code uses but no catalogue has was not noticed"
fi
grep -q 'extra.js:1: uses "queue.no_such_key"' "$WORK/out" || fail "the unknown key is not named: $(cat "$WORK/out")"
echo "i18n: ok"
