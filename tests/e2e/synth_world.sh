#!/usr/bin/env bash
# tipwatch synth's world options from the command line: --help lists every
# option the command accepts, a --world file and the flags give the world
# they say (flags over the file), bad values exit 1 naming the option, and
# the label options leave every register but outcomes.csv unchanged.
. "$(dirname "$0")/lib.bash"
cd "$WORK"

help=$("$TW_BIN" synth --help)
for opt in --out --applications --seed --bad-rate --world --nationality-mix --wage-level \
           --employer-tail --apps-per-employer --intermediary-share --scheme-prevalence \
           --label-share --label-noise --confirmed-only; do
  grep -q -- "$opt" <<<"$help" || fail "synth --help does not list $opt"
done
# and every option the help lists is one synth knows
for opt in $(grep -o -- '--[a-z-]*' <<<"$help" | sort -u); do
  out=$("$TW_BIN" synth "$opt" 2>&1 </dev/null || true)
  if grep -q "unrecognized option" <<<"$out"; then fail "synth does not know $opt: $out"; fi
done

"$TW_BIN" synth --out def --applications 3000 --seed 4 >/dev/null
"$TW_BIN" synth --out mix --applications 3000 --seed 4 --nationality-mix IND=1 >/dev/null
ind=$(tail -n +2 mix/permits.csv | grep -c ',IND,' || true)
[ "$ind" -gt 2550 ] || fail "--nationality-mix IND=1: only $ind of 3000 rows are IND"

cat > low.world <<'W'
# a low-wage world with fewer labels
wage_level = 0.5
label_share = 0.5
W
"$TW_BIN" synth --out low --applications 3000 --seed 4 --world low.world >/dev/null
"$TW_BIN" synth --out low2 --applications 3000 --seed 4 --world low.world --wage-level 1 >/dev/null
cmp -s def/permits.csv low/permits.csv && fail "wage_level = 0.5 from the file changed nothing"
cmp -s def/permits.csv low2/permits.csv || fail "--wage-level 1 did not override the file"
cmp -s def/outcomes.csv low2/outcomes.csv && fail "label_share = 0.5 from the file changed no label"
for f in border_crossings inspections reports truth persons; do
  cmp -s "def/$f.csv" "low2/$f.csv" || fail "a label option changed $f.csv"
done

bad() {
  local want=$1; shift
  set +e; out=$("$TW_BIN" synth --out never --applications 1000 "$@" 2>&1); rc=$?; set -e
  expect_eq "$rc" 1 "synth $* exit status"
  grep -q -- "$want" <<<"$out" || fail "synth $*: message lacks '$want': $out"
  [ ! -e never ] || fail "synth $* wrote files"
}
bad "wage-level" --wage-level 0
bad "0.2..5" --wage-level 6
bad "number" --label-share half
bad "unknown citizenship 'XX'" --nationality-mix XX=1
bad "label_noise" --label-noise 0.9
printf 'wage_level = 0.5\nwages = 3\n' > typo.world
bad "typo.world:2" --world typo.world
bad "cannot read" --world missing.world
echo "synth_world: ok"
