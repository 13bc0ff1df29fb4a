#!/usr/bin/env bash
# Calibration evaluation (`make eval`): does a config learnt from one
# register's outcome labels find more on registers it never saw?
#
# 1. A training register (seed EVAL_TRAIN_SEED, EVAL_TRAIN_APPS applications)
#    is imported; `tipwatch calibrate` learns a config from its outcome
#    labels, as they are and in three worse conditions: half of the labels
#    dropped, 10 % of the labels flipped (confirmed <-> cleared), cleared
#    labels dropped (confirmed only: positive-unlabelled).
# 2. Held-out registers of other seeds (EVAL_SEEDS, EVAL_APPS applications,
#    and one of a quarter that size) are ranked under the built-in config
#    and under each learnt one; the ground truth (truth.csv, read only by
#    bench/eval_metrics.awk) gives worker recall, planted share among the
#    100 highest-scored employers and intermediaries, the look-alikes
#    alerted, the typologies found and PR-AUC per kind. Held-out worlds
#    made with `tipwatch synth`'s world options (EVAL_WORLDS: lower wages,
#    another nationality mix, more intermediaries, larger employers) shift
#    the registers further from the one calibrated on.
# 3. Speed: calibrate on the training register against the in-memory
#    screening it starts with (the same load, indicators and scores as
#    `rank`), and that screening under the built-in and the learnt config.
# Writes the "Calibration" section of bench/RESULTS.md.
# Usage: bench/eval.sh path/to/tipwatch
set -euo pipefail
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
train_apps=${EVAL_TRAIN_APPS:-1000000}
train_seed=${EVAL_TRAIN_SEED:-3001}
test_apps=${EVAL_APPS:-200000}
test_seeds=${EVAL_SEEDS:-"3101 3102 3103"}
small_seed=${EVAL_SMALL_SEED:-3104}
# held-out worlds of `tipwatch synth`'s world options, "name:--opt=v;--opt=v"
# separated by blanks (none: EVAL_WORLDS="")
worlds=${EVAL_WORLDS-"low-wages:--wage-level=0.6 nationalities:--nationality-mix=IND=40,NPL=20,UZB=20,RUS=20 agents:--intermediary-share=0.4 big-employers:--employer-tail=0.8"}
work=$(mktemp -d /tmp/tw-eval-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

secs() { # cmd... -> seconds on stdout, the command's stdout to last.out
  /usr/bin/time -f '%e' -o time.out "$@" >last.out 2>err.out || { cat err.out last.out >&2; exit 1; }
  cat time.out
}

load() { # dir db: every register but the outcomes
  for f in permits border_crossings inspections reports; do
    "$bin" import --db "$2" --progress none --quiet "$1/$f.csv"
  done
}

echo "eval: training register, seed $train_seed, $train_apps applications"
"$bin" synth --out train --applications "$train_apps" --seed "$train_seed" >/dev/null
load train base.db

# label variants, deterministic (awk's generator with a fixed seed)
cp train/outcomes.csv labels-full.csv
awk -F, 'BEGIN{srand(11)} NR==1 || rand() < 0.5' train/outcomes.csv > labels-half.csv
awk -F, 'BEGIN{OFS=",";srand(12)} NR>1 && rand() < 0.10 {
  $3 = $3 == "confirmed" ? "cleared" : $3 == "cleared" ? "confirmed" : $3 } {print}' \
  train/outcomes.csv > labels-noisy.csv
awk -F, 'NR==1 || $3 != "cleared"' train/outcomes.csv > labels-confirmed-only.csv
cp labels-full.csv labels-full-keep50.csv
variants="full full-keep50 half noisy confirmed-only"

declare -A cal_s fitted
for v in $variants; do
  cp base.db "train-$v.db"
  "$bin" import --db "train-$v.db" --progress none --quiet --rejects '' --register outcomes \
    "labels-$v.csv"
  echo "eval: calibrate on the $v labels"
  set +e
  keep=0; [ "$v" = full-keep50 ] && keep=0.5
  /usr/bin/time -f '%e' -o time.out "$bin" calibrate --db "train-$v.db" --out "learnt-$v.conf" \
    --keep-weights "$keep" > "calibrate-$v.txt" 2>&1
  rc=$?
  set -e
  cal_s[$v]=$(cat time.out)
  if [ "$rc" -ne 0 ]; then
    echo "eval: calibrate on $v refused or failed (exit $rc):" >&2
    tail -3 "calibrate-$v.txt" >&2
    fitted[$v]="none (exit $rc)"
    rm -f "learnt-$v.conf"
  else
    fitted[$v]=$(grep -c '^    fitted with' "calibrate-$v.txt" || true)
  fi
done

echo "eval: speed on the training register (three rounds, the fastest of each)"
min() { awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }
: > speed.txt
for round in 1 2 3; do
  echo "calibrate $(secs "$bin" calibrate --db train-full.db --out speed.conf)" >> speed.txt
  echo "builtin $(secs "$bin" rank --db train-full.db --entity employer --top 1)" >> speed.txt
  [ -f learnt-full.conf ] &&
    echo "learnt $(secs "$bin" rank --db train-full.db --config learnt-full.conf --entity employer --top 1)" >> speed.txt
done
cal_fast=$(awk '$1 == "calibrate" {print $2}' speed.txt | min)
screen_builtin=$(awk '$1 == "builtin" {print $2}' speed.txt | min)
screen_learnt=$(awk '$1 == "learnt" {print $2}' speed.txt | min)
[ -n "$screen_learnt" ] || screen_learnt=-

evaluate() { # name dir [sql] -> one row per config into rows.txt
  local name=$1 dir=$2 db="$2.db" cfg k out
  load "$dir" "$db"
  [ -z "${3:-}" ] || sqlite3 "$db" "$3"
  for cfg in builtin $variants; do
    [ "$cfg" = builtin ] || [ -f "learnt-$cfg.conf" ] || continue
    for k in application worker employer intermediary; do
      if [ "$cfg" = builtin ]; then
        "$bin" rank --db "$db" --entity "$k" > "$k.csv"
      else
        "$bin" rank --db "$db" --config "learnt-$cfg.conf" --entity "$k" > "$k.csv"
      fi
    done
    out=$(awk -f "$here/eval_metrics.awk" "$dir/truth.csv" application.csv worker.csv employer.csv intermediary.csv)
    echo "$name $cfg $out" >> rows.txt
    echo "  $name $cfg: $out"
  done
  rm -f "$db"
}

: > rows.txt
for s in $test_seeds; do
  echo "eval: held-out register, seed $s, $test_apps applications"
  "$bin" synth --out "t$s" --applications "$test_apps" --seed "$s" >/dev/null
  evaluate "seed-$s" "t$s"
  rm -rf "t$s"
done
small=$((test_apps / 4))
echo "eval: held-out register, seed $small_seed, $small applications"
"$bin" synth --out "t$small_seed" --applications "$small" --seed "$small_seed" >/dev/null
evaluate "seed-$small_seed-${small}" "t$small_seed"
for w in $worlds; do # "name:--option=value;--option=value"
  name=${w%%:*}; opts=${w#*:}
  echo "eval: held-out register, world $name ($opts)"
  # shellcheck disable=SC2086
  "$bin" synth --out "w$name" --applications "$test_apps" --seed 3201 ${opts//;/ } >/dev/null
  evaluate "world-$name" "w$name"
  rm -rf "w$name"
done

# ---- bench/RESULTS.md ------------------------------------------------------
{
  echo "<!-- eval:begin -->"
  echo "## Calibration (make eval)"
  echo
  echo "Run $(date -u +%Y-%m-%d), \`bench/eval.sh\`, on $(nproc) cores. Training register:"
  echo "seed $train_seed, $train_apps applications; its outcome labels as written"
  echo "(full), half of them (half), 10 % flipped between confirmed and cleared"
  echo "(noisy), cleared ones dropped (confirmed-only); full-keep50: the full labels with"
  echo '`--keep-weights 0.5` (no weight below half the built-in one). Held-out registers: seeds'
  echo "$test_seeds at $test_apps applications, $small_seed at $small, and seed 3201 at"
  echo "$test_apps in the worlds: $worlds; none used for"
  echo "calibration. builtin = the built-in config; full, half, ... = the config"
  echo "learnt from those labels. Ground truth is read only by bench/eval_metrics.awk."
  echo
  echo "Kinds fitted by calibrate (of application, worker, employer, intermediary):"
  for v in $variants; do echo "- $v: ${fitted[$v]}; calibrate took ${cal_s[$v]} s"; done
  echo
  echo "| register | config | worker recall | employer+intermediary precision@100 (planted) | look-alikes alerted | typologies found | PR-AUC application | PR-AUC worker | PR-AUC employer | PR-AUC intermediary |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  while read -r reg cfg rec p100 look typ a w e i nl no; do
    echo "| $reg | $cfg | $rec | $p100 ($no) | $look (of $nl) | $typ | $a | $w | $e | $i |"
  done < rows.txt
  echo
  echo "Targets with the learnt config: worker recall >= 0.90, employer+intermediary"
  echo "precision@100 >= 0.80, look-alikes alerted <= 0.05, every typology found. A register"
  echo "with fewer than 100 planted employers and intermediaries cannot reach 0.80 at 100"
  echo "(the planted count is in brackets)."
  awk '$2 != "builtin" && $12 >= 100 {n++; if ($3 < 0.90) r++; if ($4 < 0.80) p++; if ($5 > 0.05) l++;
       split($6, t, "/"); if (t[1] != t[2]) ty++}
       END {printf "Of %d learnt-config rows on registers with at least 100 planted employers and intermediaries: worker recall below 0.90 in %d, precision@100 below 0.80 in %d, look-alikes above 5%% in %d, a typology missed in %d.\n", n, r+0, p+0, l+0, ty+0}' rows.txt
  echo
  echo "Speed on the training register ($train_apps applications), the fastest of three"
  echo "rounds in this run: calibrate (full labels) ${cal_fast} s; the in-memory screening"
  echo "it starts with (\`rank\` of one employer under the built-in config: load, indicators,"
  echo "scores) ${screen_builtin} s; that screening under the learnt config ${screen_learnt} s"
  echo "(ratio learnt / built-in: $(awk -v a="$screen_learnt" -v b="$screen_builtin" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "-" }'))."
  echo "The machine is shared: the first calibrate of each label set above took"
  echo "$(for v in $variants; do printf '%s %s s; ' "$v" "${cal_s[$v]}"; done)"
  echo "<!-- eval:end -->"
} > section.md
results="$here/RESULTS.md"
if grep -q '<!-- eval:begin -->' "$results"; then
  awk -v f=section.md '/<!-- eval:begin -->/{while((getline l < f) > 0) print l; skip=1}
       /<!-- eval:end -->/{skip=0; next} !skip' "$results" > results.new
else
  { cat "$results"; echo; cat section.md; } > results.new
fi
cp results.new "$results"
cat section.md
