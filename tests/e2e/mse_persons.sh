#!/usr/bin/env bash
# Multiple systems estimation over tipwatch's own lists, counted per person:
# on a synthetic register, a closed population of N workers is "found" by two
# organisations that open NRM cases through the API, each independently with
# its own chance (and the second by the worker's *other* passport where the
# worker renewed it, so only the person linkage makes them one person); the
# estimate's 95 % profile-likelihood interval covers N, persons are counted
# once, a confirmed alert adds its list, and the refusals (store not linked,
# no key file, thin overlaps) exit 1 saying why. Two worlds (seeds, sizes,
# capture chances).
. "$(dirname "$0")/lib.bash"
command -v curl > /dev/null || fail "curl is needed (scripts/install-deps.sh installs it)"
command -v sqlite3 > /dev/null || fail "sqlite3 is needed"
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2> /dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

run_world() { # APPS SEED N P_A P_B
  local apps=$1 seed=$2 n=$3 pa=$4 pb=$5
  rm -rf syn t.db t.db.key out err out.serve err.serve
  "$TW_BIN" synth --out syn --applications "$apps" --seed "$seed" > /dev/null
  for f in permits border_crossings; do
    "$TW_BIN" import --db t.db --progress none --quiet "syn/$f.csv" > /dev/null 2>&1 || true
  done
  (umask 077; printf 'tipwatch-key 1 %s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > t.db.key)

  # not linked yet: refused, naming the step
  rc=0; "$TW_BIN" report mse --db t.db 2> err > /dev/null || rc=$?
  expect_eq "$rc" 1 "mse on a store never linked"
  grep -q 'tipwatch link' err || fail "the refusal names the link step: $(cat err)"

  "$TW_BIN" link --db t.db --quiet || fail "link"
  "$TW_BIN" screen --db t.db --quiet || fail "screen"
  for who in "hope NGO Hope" "mcs MCS"; do
    set -- $who
    local name=$1 org=${who#* }
    printf '%s-password-1\n' "$name" |
      "$TW_BIN" user add "$name" --org "$org" --role case_worker --password-stdin --db t.db \
        > /dev/null || fail "user add $name"
    "$TW_BIN" token create "$name" --label mse --db t.db > "tok.$name" 2> /dev/null || fail "token"
  done

  # the population: N persons (linked) with a permit; a person with two
  # passports gives both (the second organisation uses the other one)
  sq t.db "SELECT pw.person_id, group_concat(w.key, ' ')
           FROM person_worker pw JOIN worker w ON w.id = pw.worker_id
           GROUP BY pw.person_id ORDER BY pw.person_id LIMIT $n" > pop.txt
  expect_eq "$(wc -l < pop.txt)" "$n" "persons in the population"
  awk -v pa="$pa" -v pb="$pb" -v seed="$seed" -F'|' '
    BEGIN { srand(seed) }
    { split($2, k, " "); a = rand() < pa; b = rand() < pb
      if (a) print "hope\t" k[1]
      if (b) print "mcs\t" (k[2] != "" ? k[2] : k[1]) }' pop.txt > captures.tsv
  awk -v pa="$pa" -v pb="$pb" -v seed="$seed" -F'|' '
    BEGIN { srand(seed) } { a = rand() < pa; b = rand() < pb; if (a || b) s++
      if (a && b) m++ } END { print s " " m }' pop.txt > seen.txt
  read -r seen both < seen.txt
  [ "$both" -ge 10 ] || fail "the world gives too few persons on both lists ($both)"

  out=out.serve
  "$TW_BIN" serve --db t.db --listen 127.0.0.1:0 --quiet > "$out" 2> err.serve &
  pid=$!
  wait_listening "$pid" "$out" err.serve
  base=$(sed -n 's/^serve: listening on //p' "$out")
  while IFS=$'\t' read -r who key; do
    code=$(bounded 60 "POST /api/v1/cases" curl -s -o resp -w '%{http_code}' \
      -H "Authorization: Bearer $(cat tok.$who)" -H 'Content-Type: application/json' \
      -d "{\"worker_key\":\"$key\",\"sex\":\"Female\",\"duplicate_reason\":\"found separately\"}" \
      "$base/api/v1/cases") || fail "POST /api/v1/cases for $key as $who: curl failed ($code)"
    [ "$code" = 201 ] || fail "opening a case for $key as $who: $code $(cat resp)"
  done < captures.tsv
  stop_server "$pid"
  pid=

  # without the key file: refused naming it
  rc=0; "$TW_BIN" report mse --db t.db --key-file "$WORK/nokey" 2> err > /dev/null || rc=$?
  expect_eq "$rc" 1 "mse without its key file"
  grep -q 'nokey' err || fail "the refusal names the key file: $(cat err)"

  "$TW_BIN" report mse --db t.db > mse.csv 2> info
  head -1 mse.csv | grep -q '^rank,model,parameters,aic,bic,criterion,delta,observed,unobserved,total,total_low,total_high,wald_low,wald_high,selected$' ||
    fail "mse header: $(head -1 mse.csv)"
  grep -q "^mse: $seen persons on 2 lists" info || fail "persons counted once ($seen): $(cat info)"
  IFS=, read -r _ model _ _ _ crit _ obs _ total lo hi _ _ sel < <(sed -n 2p mse.csv)
  expect_eq "$obs" "$seen" "observed persons"
  expect_eq "$sel" 1 "the first row is the chosen model"
  awk -v lo="$lo" -v hi="$hi" -v n="$n" 'BEGIN { exit !(lo <= n && n <= hi) }' ||
    fail "the interval [$lo, $hi] (estimate $total) covers the $n persons"
  echo "world $apps/$seed: N=$n seen=$seen on-both=$both estimate=$total [$lo, $hi]"

  # a confirmed alert on a worker adds its list
  # (on a worker some organisation found, so that the list shares a person)
  keys=$(cut -f2 captures.tsv | sed "s/.*/'&'/" | paste -sd, -)
  aid=$(sq t.db "SELECT id FROM alert WHERE entity_type = 'worker' AND entity_key IN ($keys)
                 ORDER BY id LIMIT 1")
  if [ -n "$aid" ]; then
    "$TW_BIN" alerts transition --db t.db "$aid" confirmed --reason "identified" --as e2e \
      > /dev/null || fail "confirm alert $aid"
    "$TW_BIN" report mse --db t.db --criterion bic > mse2.csv 2> info2 ||
      fail "mse with 3 lists: $(cat info2)"
    grep -q 'on 3 lists' info2 || fail "alerts_confirmed is a list: $(cat info2)"
    sed -n 2p mse2.csv | grep -q ',BIC,' || fail "ranked by BIC: $(sed -n 2p mse2.csv)"
  fi

  # the reports register: every report record linked to a person is a
  # member of the list `reports` (counted on stderr; the estimate itself
  # may refuse if no reported person is on another list)
  "$TW_BIN" import --db t.db --progress none --quiet syn/reports.csv > /dev/null 2>&1 || true
  "$TW_BIN" link --db t.db --quiet || fail "link after the reports"
  linked=$(sq t.db "SELECT count(*) FROM person_record WHERE record LIKE 'reports:%'")
  [ "$linked" -gt 0 ] || fail "no report record was linked"
  rc=0; "$TW_BIN" report mse --db t.db > /dev/null 2> info3 || rc=$?
  grep -q ", $linked linked report records" info3 || fail "reports counted: $(cat info3)"
  if [ "$rc" -ne 0 ]; then
    grep -q 'too thin' info3 || fail "mse with the reports failed: $(cat info3)"
  fi
}

run_world 1500 5 300 0.35 0.3
# a second world: other seed, size, population and capture chances
run_world 2600 23 500 0.2 0.45

# thin overlaps from the store: one organisation only -> fewer than two lists
rm -rf t2.db
"$TW_BIN" import --db t2.db --progress none --quiet syn/permits.csv > /dev/null 2>&1 || true
"$TW_BIN" link --db t2.db --quiet
(umask 077; printf 'tipwatch-key 1 %s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > t2.db.key)
rc=0; "$TW_BIN" report mse --db t2.db 2> err > /dev/null || rc=$?
expect_eq "$rc" 1 "mse with no list"
grep -q 'at least two lists' err || fail "says why: $(cat err)"
echo "mse_persons: ok"
