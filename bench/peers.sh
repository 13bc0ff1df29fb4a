#!/usr/bin/env bash
# The SQL peers of the screening engine, and the oracle that holds the
# engine to them.
#
# bench/sql/ holds one SELECT per indicator that SQL can express, returning
# the flagged entities as (indicator, entity_type, entity_key) rows; a file
# named IND.sql runs on both SQLite and PostgreSQL, IND.sqlite.sql and
# IND.pg.sql are the two dialects of one indicator where they differ.
# Given a store and the hits CSV of `tipwatch screen --hits`, this script
# runs every query, compares the set of rows per indicator with the engine's
# hits of that indicator, prints one line per indicator, and exits 1 on any
# difference (after printing a few differing rows).
#
#   bench/peers.sh sqlite DB HITS [OUT]  queries with the sqlite3 CLI on DB
#                                        itself (the store's own indexes and
#                                        *_current views, its 64 MiB cache)
#   bench/peers.sh pg DB HITS [OUT]      a private PostgreSQL 15 cluster in a
#                                        temporary directory (unix socket in
#                                        that directory, no TCP), loaded
#                                        with the store's register and
#                                        entity tables, always stopped
#
# OUT (default: a temporary directory, removed) receives per indicator the
# sorted rows of both sides (IND.engine.tsv, IND.sql.tsv), agreement.md (the
# table), summary.tsv (indicator, engine rows, SQL rows, yes/NO, query s)
# and totals.sh (shell variables: queries_s, rss_kb, indicators, agree, and
# for pg load_s).
# Timings are wall clock per query process; rss_kb is the largest peak RSS
# of the query processes (sqlite3), or of the PostgreSQL backend that ran
# all queries (its parallel workers not included).
# PEERS_ONLY="ind1 ind2" restricts the run to some indicators.
set -euo pipefail

usage() { echo "usage: bench/peers.sh sqlite|pg DB HITS.csv [OUT_DIR]" >&2; exit 2; }
[ $# -ge 3 ] || usage
dialect=$1 db=$(readlink -f "$2") hits=$(readlink -f "$3")
case "$dialect" in sqlite | pg) ;; *) usage ;; esac
[ -r "$db" ] || { echo "peers: $2: no such store" >&2; exit 1; }
[ -r "$hits" ] || { echo "peers: $3: no such hits file" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
sqldir=${PEERS_SQL_DIR:-$here/sql}
tmp=$(mktemp -d /tmp/tw-peers-XXXXXX)
chmod 755 "$tmp"
pg_up=0
cleanup() {
  if [ "$pg_up" = 1 ]; then pg stop -m fast >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ $# -ge 4 ]; then
  out=$4; mkdir -p "$out"; out=$(readlink -f "$out")
else
  out=$tmp/out; mkdir -p "$out"
fi
export LC_ALL=C
TAB=$'\t'

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# The query of indicator $1 for this dialect.
query_file() {
  if [ -f "$sqldir/$1.$dialect.sql" ]; then echo "$sqldir/$1.$dialect.sql"; else echo "$sqldir/$1.sql"; fi
}

# Indicators with a query: IND.sql, or both IND.sqlite.sql and IND.pg.sql.
indicators=()
for f in "$sqldir"/*.sql; do
  b=${f##*/}
  case "$b" in
  _*) continue ;;
  outreach_events.sql) continue ;; # bench/outreach.sh's peer, not an indicator
  *.sqlite.sql) i=${b%.sqlite.sql} ;;
  *.pg.sql) i=${b%.pg.sql} ;;
  *) i=${b%.sql} ;;
  esac
  if [ -n "${PEERS_ONLY:-}" ] && [[ " $PEERS_ONLY " != *" $i "* ]]; then continue; fi
  [[ " ${indicators[*]-} " == *" $i "* ]] && continue
  [ -f "$(query_file "$i")" ] || { echo "peers: $i has no $dialect query" >&2; exit 1; }
  indicators+=("$i")
done
[ ${#indicators[@]} -gt 0 ] || { echo "peers: no query in $sqldir" >&2; exit 1; }

# The engine's hits as indicator<TAB>entity_type<TAB>entity_key (the CSV
# parsed by sqlite3, so quoted keys with commas come out right; the quote
# tipwatch puts before a cell beginning with = + - @ TAB CR, such as an
# E.164 phone, is dropped, as src/base/csvout.h says a reader does).
sqlite3 -batch :memory: >"$tmp/engine.tsv" <<SQL
.mode csv
.import '$hits' h
.mode list
.separator "\t"
SELECT indicator, entity_type,
       CASE WHEN substr(entity_key, 1, 1) = char(39) AND substr(entity_key, 2, 1)
            IN ('=', '+', '-', '@', char(9), char(13)) THEN substr(entity_key, 2)
            ELSE entity_key END FROM h;
SQL

# ---- PostgreSQL --------------------------------------------------------

pgbin=${PG_BIN:-/usr/lib/postgresql/15/bin}
pgdir=$tmp/pg
as_pg=()
# (run from $pgdir: the postgres user may not enter the caller's directory)
pg() { (cd "$pgdir" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" "$@"); }
psql_tw() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -U tw -d tw "$@"; }

# PostgreSQL types for the store's columns: ids and counts bigint, ISO
# dates date, UTC timestamps (the *_utc columns) timestamp; the rest text.
pg_type() {
  case "$1:$2" in
  *:INTEGER | *:) echo bigint ;;
  *_utc:*) echo timestamp ;;
  valid_from:* | valid_to:* | *birth_date:* | employer_registered_on:* | contract_start:* | \
  contract_end:* | inspected_on:*) echo date ;;
  *) echo text ;;
  esac
}

pg_start() {
  if [ ! -x "$pgbin/initdb" ]; then
    bash "$here/../scripts/install-deps.sh" --bench
  fi
  mkdir -p "$pgdir"
  if [ "$(id -u)" -eq 0 ]; then # initdb refuses to run as root
    chown postgres: "$pgdir"
    as_pg=(runuser -u postgres --)
  fi
  (cd "$pgdir" && "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U tw --auth=trust -E UTF8 \
    --locale=C) >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
  # unix socket in the temporary directory only; memory for a 1M register
  # on a 24 GiB machine; durability off (a scratch peer, like a bulk load)
  pg_up=1
  pg -w -l "$pgdir/server.log" -o "-c listen_addresses='' -k $pgdir -c shared_buffers=2GB \
-c work_mem=256MB -c maintenance_work_mem=1GB -c effective_cache_size=8GB -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_wal_size=8GB" start >/dev/null ||
    { cat "$pgdir/server.log" >&2; exit 1; }
  psql_tw -d postgres -c "CREATE DATABASE tw"
}

# Copies the tables the queries read from the store into PostgreSQL, every
# version of every row, with the indexes the store has (primary keys,
# unique (row_key, version), unique entity keys) and the *_current views.
pg_load() {
  local t ddl sel name type
  {
    for t in worker employer intermediary address phone permit border_crossing inspection report; do
      ddl="" sel=""
      while IFS="$TAB" read -r name type; do
        if [ "$name" = id ]; then ddl+="id bigint PRIMARY KEY"; else ddl+=", $name $(pg_type "$name" "$type")"; fi
        sel+="${sel:+,}$name"
      done < <(sqlite3 -batch -noheader -separator "$TAB" "$db" \
        "SELECT name, type FROM pragma_table_info('$t') ORDER BY cid")
      echo "CREATE TABLE $t ($ddl);"
      echo "\\copy $t ($sel) FROM PROGRAM 'sqlite3 -batch -csv \"$db\" \"SELECT $sel FROM $t ORDER BY id\"' WITH (FORMAT csv)"
    done
    for t in worker employer intermediary address phone; do
      echo "CREATE UNIQUE INDEX ${t}_key ON $t (key);"
    done
    for t in permit border_crossing inspection report; do
      echo "CREATE UNIQUE INDEX ${t}_row_key_version ON $t (row_key, version);"
      # The store's views say "version = the row's max(version)"; PostgreSQL
      # runs that correlated form row by row, so its peer gets the
      # equivalent anti-join, which it plans as a hash anti join.
      echo "CREATE VIEW ${t}_current AS SELECT * FROM $t p WHERE NOT EXISTS" \
           "(SELECT 1 FROM $t q WHERE q.row_key = p.row_key AND q.version > p.version);"
    done
    echo "VACUUM ANALYZE;"
  } >"$tmp/load.sql"
  psql_tw -f "$tmp/load.sql"
}

# ---- running the queries -------------------------------------------------

total=0 rss_max=0
: >"$tmp/times"
run_queries() {
  local i f t0 t1 rss
  if [ "$dialect" = sqlite ]; then
    for i in "${indicators[@]}"; do
      f=$(query_file "$i")
      t0=$(now)
      /usr/bin/time -f '%M' -o "$tmp/rss" sqlite3 -batch -noheader -list -separator "$TAB" \
        -cmd 'PRAGMA cache_size=-65536' "$db" <"$f" >"$out/$i.sql.tsv" ||
        { echo "peers: $f failed on SQLite" >&2; exit 1; }
      t1=$(now)
      rss=$(tail -1 "$tmp/rss")
      [ "$rss" -gt "$rss_max" ] && rss_max=$rss
      echo "$i $(secs "$t0" "$t1")" >>"$tmp/times"
    done
  else
    # one session, so the backend's peak RSS covers every query
    {
      echo '\pset format unaligned'
      echo '\pset tuples_only on'
      echo "\\pset fieldsep '\\t'"
      for i in "${indicators[@]}"; do
        echo "\\o $out/$i.sql.tsv"
        echo "\\! date +%s.%N > $tmp/t0.$i"
        echo "\\i $(query_file "$i")"
        echo "\\! date +%s.%N > $tmp/t1.$i"
      done
      echo '\o'
      echo "SELECT pg_backend_pid() AS pid \\gset"
      echo "\\setenv TW_PG_PID :pid"
      echo "\\! grep VmHWM /proc/\$TW_PG_PID/status > $tmp/pg.rss"
    } >"$tmp/run.sql"
    psql_tw -f "$tmp/run.sql" >/dev/null
    for i in "${indicators[@]}"; do
      echo "$i $(secs "$(cat "$tmp/t0.$i")" "$(cat "$tmp/t1.$i")")" >>"$tmp/times"
    done
    rss_max=$(awk '{print $2}' "$tmp/pg.rss")
  fi
  total=$(awk '{ s += $2 } END { printf "%.3f", s }' "$tmp/times")
}

if [ "$dialect" = pg ]; then
  echo "peers: starting PostgreSQL 15 in $pgdir" >&2
  pg_start
  echo "peers: loading $db into PostgreSQL" >&2
  t0=$(now)
  psql_tw -c "SELECT 1" >/dev/null
  pg_load
  load_s=$(secs "$t0" "$(now)")
fi
run_queries
if [ "$dialect" = pg ]; then
  pg stop -m fast >/dev/null
  pg_up=0
fi

# ---- comparing -------------------------------------------------------------

bad=0
: >"$out/summary.tsv"
{
  echo "| indicator | engine | $dialect | both | engine only | $dialect only | agree | query s |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$out/agreement.md"
printf '%-28s %8s %8s %8s %8s  %s\n' indicator engine "$dialect" "only-eng" "only-sql" agree
for i in "${indicators[@]}"; do
  awk -F'\t' -v i="$i" '$1 == i' "$tmp/engine.tsv" | sort >"$out/$i.engine.tsv"
  sort -o "$out/$i.sql.tsv" "$out/$i.sql.tsv"
  ne=$(wc -l <"$out/$i.engine.tsv")
  ns=$(wc -l <"$out/$i.sql.tsv")
  both=$(comm -12 "$out/$i.engine.tsv" "$out/$i.sql.tsv" | wc -l)
  oe=$(comm -23 "$out/$i.engine.tsv" "$out/$i.sql.tsv" | wc -l)
  os=$(comm -13 "$out/$i.engine.tsv" "$out/$i.sql.tsv" | wc -l)
  s=$(awk -v i="$i" '$1 == i { print $2 }' "$tmp/times")
  if [ "$oe" -eq 0 ] && [ "$os" -eq 0 ]; then ok=yes; else ok=NO; bad=1; fi
  printf '%-28s %8d %8d %8d %8d  %s\n' "$i" "$ne" "$ns" "$oe" "$os" "$ok"
  echo "| $i | $ne | $ns | $both | $oe | $os | $ok | $s |" >>"$out/agreement.md"
  printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$ne" "$ns" "$ok" "$s" >>"$out/summary.tsv"
  if [ "$ok" = NO ]; then
    comm -23 "$out/$i.engine.tsv" "$out/$i.sql.tsv" | head -5 | sed 's/^/    engine only: /'
    comm -13 "$out/$i.engine.tsv" "$out/$i.sql.tsv" | head -5 | sed "s/^/    $dialect only: /"
  fi
done
{
  echo "queries_s=$total"
  echo "rss_kb=$rss_max"
  echo "indicators=${#indicators[@]}"
  echo "agree=$((1 - bad))"
  if [ "$dialect" = pg ]; then
    echo "load_s=$load_s"
  fi
} >"$out/totals.sh"
echo "peers: $dialect: ${#indicators[@]} indicators, queries ${total} s," \
  "$( [ "$bad" = 0 ] && echo "all agree with the engine" || echo "MISMATCH")"
exit "$bad"
