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
echo "kill_import: ok"
