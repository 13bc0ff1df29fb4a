#!/usr/bin/env bash
# The bulk path (import --bulk on) and the row-by-row path (--bulk off) store
# the same thing: the same rows with the same ids, versions, digests, normal
# forms and entity links, the same entities with the same ids, the same
# rejects and warnings, the same indexes. Checked on two synthetic worlds
# with bad rows, for a first import into an empty store, for the other
# registers, for a second file that changes some rows (new versions) into a
# store that already holds the first, and for a file imported again (nothing
# added). The bulk store also passes SQLite's integrity and foreign-key
# checks, and its journal mode is WAL again afterwards.
. "$(dirname "$0")/lib.bash"
cd "$WORK"

# every column of every table a file's import writes, in id order
dump() {
  local db=$1 t
  for t in permit border_crossing inspection report outcome worker employer intermediary \
    address phone; do
    echo "== $t"
    sqlite3 -batch -noheader "$db" "SELECT * FROM $t ORDER BY id"
  done
  echo "== reject"
  sqlite3 -batch -noheader "$db" \
    "SELECT batch_id, register, line, column_no, field, severity, reason, raw, raw_hash
       FROM reject ORDER BY id"
  echo "== batches"
  sqlite3 -batch -noheader "$db" \
    "SELECT id, register, status, rows_read, rows_new, rows_versioned, rows_unchanged,
            rows_rejected, warnings, bytes FROM import_batch ORDER BY id"
  echo "== schema"
  sqlite3 -batch -noheader "$db" "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
}

same() { # same WHAT A.db B.db
  dump "$2" > "$2.dump"
  dump "$3" > "$3.dump"
  cmp -s "$2.dump" "$3.dump" || {
    diff "$2.dump" "$3.dump" | head -20 >&2
    fail "$1: the bulk path stored something else than the row-by-row path"
  }
}

checks() { # checks DB
  expect_eq "$(sq "$1" 'PRAGMA integrity_check')" ok "integrity of $1"
  expect_eq "$(sq "$1" 'PRAGMA foreign_key_check')" "" "foreign keys of $1"
  expect_eq "$(sq "$1" 'PRAGMA journal_mode')" wal "journal mode of $1 after a bulk import"
}

world() { # world NAME SYNTH-OPTIONS...
  local name=$1
  shift
  "$TW_BIN" synth --out "$name" "$@" > /dev/null
  # a second export of the same register: every 50th data row changed
  # (a new salary), so the row becomes a new version, and a few rows
  # repeated with other content inside the same file
  awk -F, 'NR > 1 && NR % 50 == 0 { sub(/,[0-9]+,(40|48|[0-9]+),/, ",99999,40,") } { print }
           NR > 1 && NR % 997 == 0 { print }' "$name/permits.csv" > "$name/permits2.csv"
}

run() { # run NAME
  local name=$1 mode f
  for mode in off on; do
    rm -f "$name-$mode.db"*
    for f in permits border_crossings inspections reports outcomes; do
      "$TW_BIN" import --db "$name-$mode.db" --bulk "$mode" --progress none --quiet \
        --rejects '' "$name/$f.csv" > "$name-$mode.out"
    done
  done
  checks "$name-on.db"
  same "$name: first import" "$name-off.db" "$name-on.db"
  for mode in off on; do
    "$TW_BIN" import --db "$name-$mode.db" --bulk "$mode" --progress none \
      --rejects "$name-$mode.rejects2.csv" "$name/permits2.csv" > "$name-$mode.out2"
  done
  grep -q ', bulk)$' "$name-on.out2" || fail "$name: --bulk on did not take the bulk path"
  grep -q ', bulk)$' "$name-off.out2" && fail "$name: --bulk off took the bulk path"
  versions=$(sq "$name-on.db" "SELECT count(*) FROM permit WHERE version > 1")
  [ "$versions" -gt 0 ] || fail "$name: the changed export made no new version"
  checks "$name-on.db"
  same "$name: a changed export into a store that holds the first" "$name-off.db" "$name-on.db"
  cmp -s "$name-off.rejects2.csv" "$name-on.rejects2.csv" ||
    fail "$name: the rejects files differ between the paths"
  rej=$(tail -n +2 "$name-on.rejects2.csv" | wc -l)
  [ "$rej" -gt 0 ] || fail "$name: no rejects listed, the test proves nothing about them"
  for mode in off on; do
    "$TW_BIN" import --db "$name-$mode.db" --bulk "$mode" --progress none --rejects '' \
      "$name/permits2.csv" > "$name-$mode.out3"
    grep -q ' 0 new, 0 new versions, ' "$name-$mode.out3" ||
      fail "$name: importing the same file again added rows ($mode): $(cat "$name-$mode.out3")"
  done
  same "$name: the same file again" "$name-off.db" "$name-on.db"
}

world a --applications 6000 --seed 11 --bad-rate 0.03
run a
world b --applications 4000 --seed 29 --bad-rate 0.01 --nationality-mix IND=50,NPL=30,RUS=20 \
  --wage-level 0.6 --intermediary-share 0.4
run b

# auto: a small file into an empty store goes row by row
rm -f auto.db*
"$TW_BIN" import --db auto.db --progress none --rejects '' a/permits.csv > auto.out
grep -q ', bulk)$' auto.out && fail "a small file took the bulk path in auto mode"
"$TW_BIN" import --db auto.db --bulk maybe a/permits.csv 2> bad.err && fail "--bulk maybe accepted"
grep -q -- '--bulk must be auto, on or off' bad.err || fail "--bulk maybe: $(cat bad.err)"
echo "bulk_import: ok"
