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
#    alerted, the typologies found and PR-AUC per kind. The synthetic
#    world options of `tipwatch synth` (EVAL_WORLDS, when the build has
#    them) shift the held-out registers further.
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
worlds=${EVAL_WORLDS:-}
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
variants="full half noisy confirmed-only"

declare -A cal_s fitted
for v in $variants; do
  cp base.db "train-$v.db"
  "$bin" import --db "train-$v.db" --progress none --quiet --rejects '' --register outcomes \
    "labels-$v.csv"
  echo "eval: calibrate on the $v labels"
  set +e
  /usr/bin/time -f '%e' -o time.out "$bin" calibrate --db "train-$v.db" --out "learnt-$v.conf" \
    > "calibrate-$v.txt" 2>&1
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

echo "eval: speed on the training register"
screen_builtin=$(secs "$bin" rank --db train-full.db --entity employer --top 1)
screen_learnt=-
[ -f learnt-full.conf ] && screen_learnt=$(secs "$bin" rank --db train-full.db --config learnt-full.conf --entity employer --top 1)

evaluate() { # name dir -> one row per config into rows.txt
  local name=$1 dir=$2 db="$2.db" cfg k out
  load "$dir" "$db"
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
for w in $worlds; do # "name:--option=value,--option=value"
  name=${w%%:*}; opts=${w#*:}
  echo "eval: held-out register, world $name ($opts)"
  # shellcheck disable=SC2086
  "$bin" synth --out "w$name" --applications "$test_apps" --seed 3201 ${opts//,/ } >/dev/null
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
  echo "(noisy), cleared ones dropped (confirmed-only). Held-out registers: seeds"
  echo "$test_seeds at $test_apps applications and $small_seed at $small, never used for"
  echo "calibration. builtin = the built-in config; full, half, ... = the config"
  echo "learnt from those labels. Ground truth is read only by bench/eval_metrics.awk."
  echo
  echo "Kinds fitted by calibrate (of application, worker, employer, intermediary):"
  for v in $variants; do echo "- $v: ${fitted[$v]}; calibrate took ${cal_s[$v]} s"; done
  echo
  echo "| register | config | worker recall | employer+intermediary precision@100 | look-alikes alerted | typologies found | PR-AUC application | PR-AUC worker | PR-AUC employer | PR-AUC intermediary |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  while read -r reg cfg rec p100 look typ a w e i nl; do
    echo "| $reg | $cfg | $rec | $p100 | $look (of $nl) | $typ | $a | $w | $e | $i |"
  done < rows.txt
  echo
  echo "Targets with the learnt config: worker recall >= 0.90, employer+intermediary"
  echo "precision@100 >= 0.80, look-alikes alerted <= 0.05, every typology found."
  awk '$2 != "builtin" {n++; if ($3 < 0.90) r++; if ($4 < 0.80) p++; if ($5 > 0.05) l++;
       split($6, t, "/"); if (t[1] != t[2]) ty++}
       END {printf "Of %d learnt-config rows: worker recall below 0.90 in %d, precision@100 below 0.80 in %d, look-alikes above 5%% in %d, a typology missed in %d.\n", n, r+0, p+0, l+0, ty+0}' rows.txt
  echo
  echo "Speed on the training register ($train_apps applications): calibrate (full"
  echo "labels) ${cal_s[full]} s, of which the in-memory screening it starts with is"
  echo "about ${screen_builtin} s (\`rank\` under the built-in config: load, indicators,"
  echo "scores); that screening under the learnt config: ${screen_learnt} s."
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
