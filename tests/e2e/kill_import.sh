#!/usr/bin/env bash
# Kill an import with SIGKILL in the middle: the store stays consistent, the
# batch is later marked interrupted, and a re-run completes the import so the
# result equals an import that was never interrupted.
. "$(dirname "$0")/lib.bash"
cd "$WORK"
"$TW_BIN" synth --out reg --applications 40000 --seed 3 >/dev/null

"$TW_BIN" import --db clean.db --progress none --quiet reg/permits.csv

"$TW_BIN" import --db t.db --progress none --quiet --batch-rows 500 reg/permits.csv &
pid=$!
# wait until some batches are committed, then kill without warning
for _ in $(seq 1 600); do
  n=$(sq t.db "SELECT coalesce(sum(rows_read),0) FROM import_batch" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 2000 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the import finished before it could be killed"
wait $pid 2>/dev/null || true

expect_eq "$(sq t.db 'PRAGMA integrity_check')" ok "integrity after kill"
partial=$(sq t.db "SELECT count(*) FROM permit")
total=$(sq clean.db "SELECT count(*) FROM permit")
[ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ] || fail "partial import: $partial of $total"
expect_eq "$(sq t.db "SELECT status FROM import_batch")" running "batch of the killed process"
# stats sees that the process is gone before any other import runs
"$TW_BIN" stats --db t.db > stats
grep -q '^import batches: 1 (1 interrupted, 0 running)$' stats || fail "stats after a kill: $(cat stats)"

"$TW_BIN" import --db t.db --progress none --quiet reg/permits.csv
expect_eq "$(sq t.db "SELECT status FROM import_batch ORDER BY id LIMIT 1")" interrupted "killed batch"
expect_eq "$(sq t.db "SELECT count(*) FROM permit")" "$total" "rows after the re-run"
q="SELECT group_concat(row_key||':'||version||':'||content_hash, ',') FROM (SELECT * FROM permit ORDER BY row_key)"
expect_eq "$(sq t.db "$q" | md5sum)" "$(sq clean.db "$q" | md5sum)" "same rows as a clean import"
q="SELECT group_concat(register||line||field, ',') FROM (SELECT * FROM reject ORDER BY register, line, field)"
expect_eq "$(sq t.db "$q" | md5sum)" "$(sq clean.db "$q" | md5sum)" "same rejects as a clean import"
echo "kill_import (row by row): ok"

# ---- the bulk path: the file is one transaction --------------------------
# Killed at several points of a bulk import (reading and writing rows, new
# entities, building the indexes, committing), the store is as it was before
# the import (the same rows, entities, rejects and indexes) or, when the
# kill came after the commit, complete; a re-run completes it, equal to a
# clean bulk import. The points are spread over the length of one
# uninterrupted run, so that a slow or fast machine still hits the phases.
"$TW_BIN" import --db base.db --progress none --quiet reg/inspections.csv reg/reports.csv
state() { # the store's content, without the batch bookkeeping
  local t
  for t in permit worker employer intermediary address phone; do
    sq "$1" "SELECT count(*), coalesce(sum(id), 0) FROM $t"
  done
  sq "$1" "SELECT count(*) FROM reject"
  sq "$1" "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name"
}
cp base.db bulk-clean.db
start=$(date +%s%N)
"$TW_BIN" import --db bulk-clean.db --bulk on --progress none --quiet reg/permits.csv
span=$((($(date +%s%N) - start) / 1000000)) # ms
before=$(state base.db)
for pct in 5 25 50 75 90 97; do
  rm -f k.db*
  cp base.db k.db
  "$TW_BIN" import --db k.db --bulk on --progress none --quiet reg/permits.csv &
  pid=$!
  ms=$((span * pct / 100))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -9 $pid 2> /dev/null || true
  wait $pid 2> /dev/null || true
  expect_eq "$(sq k.db 'PRAGMA integrity_check')" ok "integrity after a kill at ${pct}%"
  after=$(state k.db)
  n=$(sq k.db "SELECT count(*) FROM permit")
  if [ "$n" -eq 0 ]; then
    [ "$after" = "$before" ] || fail "a bulk import killed at ${pct}% changed the store"
    echo "bulk import killed at ${pct}% of its run: the store as it was"
    expect_eq "$(sq k.db "SELECT count(*) FROM import_batch WHERE status = 'done'")" 2 \
      "batches after a kill at ${pct}%"
  else
    expect_eq "$n" "$total" "rows after a bulk import killed at ${pct}% (all or none)"
    echo "bulk import killed at ${pct}% of its run: complete"
  fi
  "$TW_BIN" import --db k.db --bulk on --progress none --quiet reg/permits.csv
  # a kill during a load under a rollback journal leaves that mode in the
  # file (the hot journal is rolled back by whoever opens it first); every
  # open through tipwatch goes back to WAL
  expect_eq "$(sq k.db 'PRAGMA journal_mode')" wal "journal mode after a kill at ${pct}%"
  expect_eq "$(state k.db)" "$(state bulk-clean.db)" "a re-run after a kill at ${pct}%"
  expect_eq "$(sq k.db 'PRAGMA foreign_key_check')" "" "foreign keys after a kill at ${pct}%"
done
# SIGINT (Ctrl-C) is not a kill: the bulk import stops after the current
# record, commits what it read (indexes built, entities written) and marks
# its batch interrupted; a re-run completes it
rm -f k.db*
cp base.db k.db
"$TW_BIN" import --db k.db --bulk on --progress none --quiet reg/permits.csv 2> int.err &
pid=$!
ms=$((span / 5))
sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
kill -INT $pid 2> /dev/null || true
wait $pid 2> /dev/null || true
expect_eq "$(sq k.db 'PRAGMA integrity_check')" ok "integrity after SIGINT"
expect_eq "$(sq k.db 'PRAGMA foreign_key_check')" "" "foreign keys after SIGINT"
status=$(sq k.db "SELECT status FROM import_batch ORDER BY id DESC LIMIT 1")
n=$(sq k.db "SELECT count(*) FROM permit")
case "$status" in
interrupted)
  [ "$n" -lt "$total" ] || fail "SIGINT: batch interrupted but all $n rows stored"
  # the batch's counters say what was committed
  expect_eq "$(sq k.db "SELECT rows_new FROM import_batch ORDER BY id DESC LIMIT 1")" "$n" \
    "SIGINT: the batch's new rows against the rows stored"
  grep -q 'interrupted after' int.err || fail "SIGINT: no word on stderr: $(cat int.err)"
  echo "bulk import interrupted at 20% of its run: $n rows committed" ;;
done) echo "bulk import finished before SIGINT reached it" ;;
*) fail "SIGINT: batch status '$status'" ;;
esac
"$TW_BIN" import --db k.db --bulk on --progress none --quiet reg/permits.csv
expect_eq "$(state k.db)" "$(state bulk-clean.db)" "a re-run after SIGINT"
echo "kill_import (bulk): ok"
