#!/usr/bin/env bash
# NRM cases linked into persons by the command line: `tipwatch demo` opens
# cases from worker alerts (a name, the worker's document) with its key
# file beside the database, and links them (`tipwatch link` finds DB.key by
# itself); `persons export` lists each case as cases:ID in the person of
# its worker's permits. The linkage's tables hold nothing of the cases'
# names; the reading is audited. Without a key file the cases are skipped
# with a message, not an error, and keep their persons; a --key-file that
# does not exist is an error.
. "$(dirname "$0")/lib.bash"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed (scripts/install-deps.sh installs it)"
cd "$WORK"
unset TIPWATCH_KEY_FILE

"$TW_BIN" demo --dir d --applications 400 --seed 5 --no-serve > demo.out 2>&1 ||
  fail "demo: $(tail -5 demo.out)"
db=d/tipwatch.db
[ -f "$db.key" ] || fail "the demo made no key file"
ncases=$(sq "$db" "SELECT count(*) FROM nrm_case WHERE name_blob IS NOT NULL OR worker_key_blob IS NOT NULL")
[ "$ncases" -gt 0 ] || fail "the demo opened no case"
"$TW_BIN" persons export --db "$db" > persons.csv || fail "persons export"
expect_eq "$(grep -c '^cases:' persons.csv)" "$ncases" "every case is a linked record"
# each case sits in the person of its worker (the alert's worker) with a permit
while IFS=, read -r rec pid; do
  id=${rec#cases:}
  grep -q "^permits:[^,]*,$pid\$" persons.csv ||
    fail "case $id (person $pid) is in no person with a permit"
done < <(grep '^cases:' persons.csv)
expect_eq "$(sq "$db" "SELECT count(*) FROM audit_log WHERE action = 'case.link'")" 1 \
  "the demo's link run read the cases once, audited"

# nothing of a case's identity in the linkage's tables: the names of the
# cases' workers appear in the clear in the permits, so look for the case
# narrative's words the demo wrote and for every permit name of a case's
# person in the link tables (evidence is levels and weights only)
n=$(sq "$db" "SELECT count(*) FROM person_join j JOIN person_record r ON r.person_id = j.person_id
              JOIN permit p ON 'permits:' || p.row_key = r.record
              WHERE r.record LIKE 'cases:%' AND (instr(lower(j.evidence), lower(p.worker_family_name)) > 0
                 OR instr(j.detail, p.worker_birth_date) > 0)")
expect_eq "$n" 0 "no case value in the links' evidence"

# a run without a key file: a message, exit 0, the cases keep their persons
TIPWATCH_KEY_FILE="$WORK/none.key" "$TW_BIN" link --db "$db" > l1.out 2>&1 ||
  fail "link without a key file: $(cat l1.out)"
grep -q "no key file ($WORK/none.key): NRM cases are not linked this run" l1.out ||
  fail "no message for the missing key file: $(cat l1.out)"
grep -q "cases 0)" l1.out || fail "the keyless run links no case: $(cat l1.out)"
"$TW_BIN" persons export --db "$db" > persons2.csv || fail "persons export 2"
diff <(grep '^cases:' persons.csv) <(grep '^cases:' persons2.csv) > /dev/null ||
  fail "a keyless run moved the cases"
# an explicit --key-file that is not there is an error (exit 1)
rc=0; "$TW_BIN" link --db "$db" --key-file "$WORK/none.key" > l2.out 2>&1 || rc=$?
expect_eq "$rc" 1 "link with a --key-file that does not exist"
grep -q "key file not found" l2.out || fail "message: $(cat l2.out)"
# with the key again: incremental, no case changed, every case read
"$TW_BIN" link --db "$db" > l3.out 2>&1 || fail "link with the key: $(cat l3.out)"
grep -q "cases $ncases), 0 new or changed" l3.out || fail "incremental run with the cases: $(cat l3.out)"
echo "persons_cases: ok ($ncases cases linked)"
