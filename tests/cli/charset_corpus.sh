#!/usr/bin/env bash
# Pages in ~40 legacy charsets (tests/corpus/mkcharsets.py), each served three
# ways by afserve: the charset in Content-Type only, no declaration at all,
# and only an XML declaration. afetch's JSON title must equal the page's
# UTF-8 title for at least 98 % of the pages with the header or the XML
# declaration, and 90 % of those with neither. Prints the figures and the misses.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
dir="$AF_TMP/corpus"
python3 "$AF_SRC/tests/corpus/mkcharsets.py" "$AF_BASE" "$dir"
"$AFETCH" --json --no-summary <"$dir/urls.txt" >"$dir/out.json"

# line -> title as afetch saw it, joined with what the page says it is.
jq -r '[.line, (.title // "")] | @tsv' "$dir/out.json" | sort -n >"$dir/got.tsv"
sort -n "$dir/expect.tsv" >"$dir/want.tsv"
n_got=$(wc -l <"$dir/got.tsv")
n_want=$(wc -l <"$dir/want.tsv")
assert_eq "$n_got" "$n_want" "one result per page"
jq -e 'select(.status != 200)' "$dir/out.json" >/dev/null &&
  fail "a page did not come back 200: $(jq -c 'select(.status != 200)' \
    "$dir/out.json" | head -3)"

declare -A total=() right=()
while IFS=$'\t' read -r line variant label want && IFS=$'\t' read -r gline got <&3; do
  [[ $line == "$gline" ]] || fail "line $line of expect.tsv against $gline"
  total[$variant]=$((${total[$variant]:-0} + 1))
  if [[ $got == "$want" ]]; then
    right[$variant]=$((${right[$variant]:-0} + 1))
  else
    echo "miss $variant $label: got '$got', want '$want'" >&2
  fi
done <"$dir/want.tsv" 3<"$dir/got.tsv"

pct() { echo $((100 * ${right[$1]:-0} / total[$1])); }
for v in header none xml; do
  echo "charset corpus: $v ${right[$v]:-0}/${total[$v]} = $(pct "$v") %"
done
no_header=$(((${right[none]:-0} + ${right[xml]:-0}) * 100 /
  (total[none] + total[xml])))
echo "charset corpus: without header (none + xml) $no_header %"
assert_ge "${total[header]}" 40 "pages per variant"
assert_ge "$(pct header)" 98 "titles right with the charset in Content-Type"
assert_ge "$(pct none)" 90 "titles right with no declaration"
# An XML declaration declares the charset as surely as the header does.
assert_ge "$(pct xml)" 98 "titles right with only an XML declaration"
pass
