#!/usr/bin/env bash
# The programs in examples/ build against afetch.h alone and work.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
bin=$AF_BUILD

"$bin/example_titles" "$AF_BASE/page/t1" "$AF_BASE/page/t2" >"$tmp/t.txt"
assert_eq "$(grep -c '^200 .* Page /page/t' "$tmp/t.txt")" 2 "titles example"

"$bin/example_embed" "$AF_BASE/delay/200/e1" "$AF_BASE/page/e2" >"$tmp/e.txt"
grep -q "loop closed cleanly: yes" "$tmp/e.txt" || fail "embed: $(cat "$tmp/e.txt")"
beats=$(sed -n 's/.*kept beating: \([0-9]*\) beats/\1/p' "$tmp/e.txt")
assert_ge "$beats" 20 "the host program's own timer ran during the fetch"

printf '%s\n' "$AF_BASE/page/c1" "$AF_BASE/status/500" "not a url" |
  "$bin/example_csv" >"$tmp/c.csv"
assert_eq "$(head -1 "$tmp/c.csv")" "line,url,status,ms,bytes,title,error" \
  "csv header"
assert_eq "$(wc -l <"$tmp/c.csv")" 4 "csv rows"
grep -q '^1,".*/page/c1",200,' "$tmp/c.csv" || fail "csv row 1"
grep -q '^3,"not a url",0,' "$tmp/c.csv" || fail "csv row 3"
pass examples
