#!/usr/bin/env bash
# Synthesise a register, import all five files, and check the counts and the
# rejects exactly against what synth says it wrote (manifest.csv, bad_rows.csv).
# Then import everything again: nothing may be added.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
"$TW_BIN" synth --out reg --applications 3000 --seed 7 >/dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "reg/$f.csv"
done

grep -E "^(permits|border_crossings|inspections|reports|outcomes).csv," reg/manifest.csv | while IFS=, read -r file rows bad; do
  reg=${file%.csv}
  table=$(case $reg in permits) echo permit;; border_crossings) echo border_crossing;;
                       inspections) echo inspection;; reports) echo report;; outcomes) echo outcome;; esac)
  got=$(sq t.db "SELECT count(*) FROM $table")
  expect_eq "$got" "$((rows - bad))" "$file rows loaded"
  rej=$(sq t.db "SELECT count(DISTINCT line) FROM reject WHERE register='$reg' AND severity='error'")
  expect_eq "$rej" "$bad" "$file rows rejected"
done

# every deliberately bad row is rejected at its line, for its column
tail -n +2 reg/bad_rows.csv | cut -d, -f1-3 | sort > want
for f in permits border_crossings inspections reports outcomes; do
  tail -n +2 "reg/$f.csv.rejects.csv" | awk -F, -v f="$f.csv" '$4=="error"{print f","$1","$3}'
done | sort -u > got
diff -u want got || fail "rejected rows differ from bad_rows.csv"

before=$(sq t.db "SELECT (SELECT count(*) FROM permit)+(SELECT count(*) FROM border_crossing)+(SELECT count(*) FROM reject)+(SELECT count(*) FROM worker)")
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "reg/$f.csv"
done
after=$(sq t.db "SELECT (SELECT count(*) FROM permit)+(SELECT count(*) FROM border_crossing)+(SELECT count(*) FROM reject)+(SELECT count(*) FROM worker)")
expect_eq "$after" "$before" "second import adds nothing"
expect_eq "$(sq t.db 'PRAGMA integrity_check')" ok "integrity"
expect_eq "$(sq t.db 'PRAGMA foreign_key_check' | wc -l)" 0 "foreign keys"
echo "synth_import: ok"
